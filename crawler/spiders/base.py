"""What every source spider shares: its `Source` entry, provenance, and counted skips."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.extract import PageFacts, extract_page, page_text
from directory.sources import Source, load_sources
from directory.vocab import SourceKind

SKIP_DETAILS_KEY = "clinics/skip_details"
MAX_SKIP_DETAILS = 200


class SourceSpider(scrapy.Spider):
    """A spider driven by one `[[source]]` entry (given, or named with `-a source=NAME`)."""

    kind: SourceKind

    def __init__(self, source: Source | str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._source_arg = source

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "SourceSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.source = spider._resolve_source(crawler.settings.get("CLINICS_SOURCES"))
        return spider

    @classmethod
    def standalone(cls, source: Source, **kwargs: Any) -> Any:
        """This spider on a crawler of its own with open stats, fed responses by hand.

        For driving its callbacks without a crawl: the fuzzer and the spiders' tests.
        """
        crawler = get_crawler(cls)
        spider = cls.from_crawler(crawler, source=source, **kwargs)
        crawler.spider = spider
        crawler.stats.open_spider()
        return spider

    def _resolve_source(self, sources_file: str) -> Source:
        """The entry this spider crawls; a name is looked up in the sources file."""
        if isinstance(self._source_arg, Source):
            return self._source_arg
        candidates = [s for s in load_sources(sources_file) if s.kind == self.kind]
        if self._source_arg is not None:
            candidates = [s for s in candidates if s.name == self._source_arg]
        if len(candidates) != 1:
            raise ValueError(
                f"{sources_file}: name one {self.kind} source with -a source=NAME "
                f"(found {[s.name for s in candidates]})"
            )
        return candidates[0]

    def provenance(self, response: Response) -> dict[str, Any]:
        """The provenance fields every item carries."""
        return {
            "source_name": self.source.name,
            "source_url": response.url,
            "retrieved_at": self.provenance_time(),
        }

    @staticmethod
    def provenance_time() -> datetime:
        """When an item was retrieved: now, in UTC."""
        return datetime.now(UTC)

    def skip(self, reason: str, detail: str) -> None:
        """Log and count something left out, so the crawl run records why."""
        self.logger.warning("skipped (%s): %s", reason, detail)
        stats = self.crawler.stats
        stats.inc_value(f"skipped/{reason}")
        details = stats.get_value(SKIP_DETAILS_KEY, [])
        if len(details) < MAX_SKIP_DETAILS:
            stats.set_value(SKIP_DETAILS_KEY, [*details, f"{reason}: {detail}"])

    def read_page(self, response: TextResponse) -> PageFacts | None:
        """The facts a fetched page states, its bytes decoded whatever its header claims.

        A page the extractor fails on is logged as an error with its URL and counted; the crawl
        goes on without it (and the run, having an error, never counts listings as missing).
        """
        content_type = response.headers.get("Content-Type")
        try:
            text = page_text(
                response.body, content_type.decode("latin-1") if content_type else None
            )
            return extract_page(text, response.url)
        except Exception:  # noqa: BLE001 - one page must not stop the crawl
            self.logger.exception("extraction failed on %s", response.url)
            self.skip("extract_failed", response.url)
            return None

    def download_failed(self, failure: Failure) -> Iterable[Any]:
        """Errback: a page that could not be fetched is a counted skip, not a crash."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        self.skip("download_failed", f"{url}: {failure.getErrorMessage() or failure.type}")
        return ()


def select(response: Response, expression: str) -> list[str]:
    """Values for a CSS or XPath expression: attribute and text values, or elements' whole text."""
    selection = (
        response.xpath(expression)
        if expression.startswith(("/", "(", "./"))
        else response.css(expression)
    )
    values = (
        item.get() if isinstance(item.root, str) else item.xpath("string()").get()
        for item in selection
    )
    cleaned = (" ".join(value.split()) for value in values if value)
    return [value for value in cleaned if value]
