"""What every source spider shares: its `Source` entry, provenance, and counted skips."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.extract import PageFacts, extract_tree, page_links, page_text, parse_html
from directory.sources import Source, load_sources
from directory.vocab import SourceKind

SKIP_DETAILS_KEY = "clinics/skip_details"
MAX_SKIP_DETAILS = 200

FAILURE_CAUSES: tuple[tuple[type[BaseException], str], ...] = (
    (DownloadFailedError, "connection_lost"),  # reset or closed before a whole response
    (ResponseDataLossError, "truncated"),  # less body than its Content-Length promised
    (DownloadCancelledError, "too_large"),  # past DOWNLOAD_MAXSIZE, promised or streamed
    (DownloadTimeoutError, "timeout"),
    (DownloadConnectionRefusedError, "connection_refused"),
    (CannotResolveHostError, "dns"),
)
"""The cause a failed download is counted under (`errors/<cause>`), by the error Scrapy raised."""

BINARY_BYTES = frozenset({*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)})
"""Bytes that never occur in text: the "binary data bytes" of the WHATWG MIME Sniffing Standard."""
SNIFF_LENGTH = 1445
"""How many leading bytes are sniffed (the standard's resource header length)."""


def failure_cause(failure: Failure) -> str | None:
    """What a failed request is counted under; None for a request left out on purpose (robots)."""
    error = failure.value
    if isinstance(error, HttpError):
        return f"http_{error.response.status}"
    if isinstance(error, IgnoreRequest):
        return "redirect_loop" if "redirect" in str(error) else None  # else robots.txt
    return next((cause for kind, cause in FAILURE_CAUSES if isinstance(error, kind)), "other")


def is_binary(body: bytes) -> bool:
    """Whether a body is binary, whatever its Content-Type says."""
    return not BINARY_BYTES.isdisjoint(body[:SNIFF_LENGTH])


@dataclass(frozen=True)
class PageReading:
    """A fetched page, read from one parse: its facts (None if the extractor failed on it) and
    its tree (None if it could not be decoded and parsed), for its links when they are wanted."""

    facts: PageFacts | None
    root: Any

    @property
    def links(self) -> list[tuple[str, str]]:
        """The page's links, (href as written, link text), read from the same tree."""
        return page_links(self.root) if self.root is not None else []


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

    def html_page(self, response: Response) -> TextResponse | None:
        """The response as a text page, or None (a counted `not_html` skip) if it is not one."""
        if isinstance(response, TextResponse) and not is_binary(response.body):
            return response
        self.skip("not_html", response.url)
        return None

    def read_page(self, response: TextResponse) -> PageReading:
        """What a fetched page states and the links it makes, its bytes decoded whatever its
        header claims and parsed once for both.

        A page the extractor fails on is logged as an error with its URL and counted, and has no
        facts (its links still lead on); the crawl goes on without them (and the run, having an
        error, never counts listings as missing).
        """
        content_type = response.headers.get("Content-Type")
        root = None
        try:
            text = page_text(
                response.body, content_type.decode("latin-1") if content_type else None
            )
            root = parse_html(text)
            return PageReading(extract_tree(root, text, response.url), root)
        except Exception:  # noqa: BLE001 - one page must not stop the crawl
            self.logger.exception("extraction failed on %s", response.url)
            self.skip("extract_failed", response.url)
            return PageReading(None, root)

    def download_failed(self, failure: Failure) -> Iterable[Any]:
        """Errback: a page that could not be fetched is a counted skip, not a crash."""
        self.count_failure(failure)
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        self.skip("download_failed", f"{url}: {failure.getErrorMessage() or failure.type}")
        return ()

    def count_failure(self, failure: Failure) -> None:
        """Count a failed request once (after its retries) under its cause: `errors/<cause>`."""
        cause = failure_cause(failure)
        if cause is not None:
            self.crawler.stats.inc_value(f"errors/{cause}")


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
