"""The domain core: models, normalisers, ingest, licensing checks and location search.

Nothing here imports Scrapy or Flask; the crawler and the web app both depend on this package.
"""
