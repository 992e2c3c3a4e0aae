"""The Scrapy project: spiders that extract, and a pipeline that hands items to the directory."""

import os

# tldextract (used by Scrapy's cookie handling) otherwise fetches the Public Suffix List over the
# network with no timeout; its bundled snapshot is enough for cookie domains.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
