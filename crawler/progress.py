"""Live progress on a terminal: a crawl's pages, items and errors, updated every second."""

import sys
from typing import Any, TextIO

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.pipelines import ERROR_STATS


class Progress:
    """Rewrites one line per source while it is crawled; leaves the last counts standing."""

    def __init__(self, crawler: Crawler, stream: TextIO, interval: float) -> None:
        self.crawler = crawler
        self.stream = stream
        self.loop = task.LoopingCall(self.show)
        self.interval = interval

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "Progress":
        if not crawler.settings.getbool("CLINICS_PROGRESS"):
            raise NotConfigured
        progress = cls(crawler, sys.stderr, crawler.settings.getfloat("CLINICS_PROGRESS_INTERVAL"))
        crawler.signals.connect(progress.opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.closed, signal=signals.spider_closed)
        return progress

    def opened(self, spider: Any) -> None:
        self.loop.start(self.interval, now=True)

    def closed(self, spider: Any, reason: str) -> None:
        if self.loop.running:
            self.loop.stop()
        self.show()
        self.stream.write("\n")
        self.stream.flush()

    def show(self) -> None:
        """Write the current counts over the previous ones."""
        stats = self.crawler.stats
        assert stats is not None  # noqa: S101 - set before spiders open
        values = stats.get_stats()
        errors = sum(int(values.get(key, 0)) for key in ERROR_STATS)
        errors += int(values.get("skipped/download_failed", 0))
        name = self.crawler.spider.source.name if self.crawler.spider else "?"  # type: ignore[attr-defined]
        self.stream.write(
            f"\r{name}: pages {values.get('response_received_count', 0)}, "
            f"items {values.get('item_scraped_count', 0)}, errors {errors}"
        )
        self.stream.flush()
