"""Scrapy settings: polite by default (robots.txt, AutoThrottle, an honest User-Agent)."""

import os

BOT_NAME = "clinics"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

CONTACT_URL = os.environ.get(
    "CLINICS_CONTACT_URL", "https://github.com/ketamine-clinic-directory/directory"
)
USER_AGENT = f"KetamineClinicDirectory/0.1 (+{CONTACT_URL})"
ROBOTSTXT_OBEY = True

# Politeness: AutoThrottle adapts the delay to each server's latency; CLINICS_CRAWL_DELAY sets the
# starting delay (the demo and the tests crawl the local web with 0).
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = float(os.environ.get("CLINICS_CRAWL_DELAY", "1.0"))
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = min(AUTOTHROTTLE_START_DELAY, 0.5)
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# What a misbehaving server gets: 30 s to answer; a body past 64 MiB (promised or streamed, far
# beyond any clinic page or licence file read whole) is cancelled, one past 8 MiB logged; a body
# shorter than its Content-Length is an error, never half a page; five redirects at most.
# Each failure is counted by cause (`errors/<cause>`, crawler.spiders.base.FAILURE_CAUSES).
DOWNLOAD_TIMEOUT = float(os.environ.get("CLINICS_DOWNLOAD_TIMEOUT", "30"))
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 2
# Retries wait for the Retry-After asked, else 2 s, 4 s, ... (CLINICS_RETRY_BACKOFF), at most 60 s.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.RedirectLoopMiddleware": 610,  # sees redirects before Scrapy's (600)
}
RETRY_BACKOFF_BASE = float(os.environ.get("CLINICS_RETRY_BACKOFF", "2"))
RETRY_BACKOFF_MAX = 60.0
CLOSESPIDER_ERRORCOUNT = 50

ITEM_PIPELINES = {"crawler.pipelines.IngestPipeline": 300}
# Live counts on the terminal (`clinics crawl` turns this on when its output is a terminal).
EXTENSIONS = {"crawler.progress.Progress": 500}
CLINICS_PROGRESS = False
CLINICS_PROGRESS_INTERVAL = 1.0
LOG_FORMATTER = "crawler.logformatter.ReasonLogFormatter"

# Where items are stored: the same database the rest of the product uses.
DATABASE_URL = os.environ.get("DATABASE_URL")
CLINICS_SOURCES = os.environ.get("CLINICS_SOURCES", "sources.toml")

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = os.environ.get("CLINICS_LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"
