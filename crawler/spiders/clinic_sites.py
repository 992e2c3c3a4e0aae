"""Clinic websites: visit the pages that matter on each site and build one listing from them."""

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.extract import PageFacts, site_listing
from crawler.spiders.base import PageReading, SourceSpider
from directory.items import ClinicItem
from directory.vocab import SourceKind

# Pages worth a visit, best first; a link qualifies by its URL path or its text.
KEY_PAGES = (
    r"contact|location|visit|directions",
    r"team|provider|staff|doctor|clinician|physician|about|who-we-are",
    r"service|treatment|therap|ketamine|spravato|infusion|condition|what-we-treat",
)
NOT_KEY_PAGES = re.compile(
    r"blog|news|article|post|press|privacy|terms|career|job|login|portal|cart|shop|\.pdf$",
    re.IGNORECASE,
)


@dataclass
class SiteVisit:
    """One site being visited: the pages still to fetch and what the fetched ones said."""

    home: str
    pending: list[str] = field(default_factory=list)
    pages: list[tuple[str, PageFacts]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


class SiteVisitor(SourceSpider):
    """A spider that visits clinic websites: each site's home page and a few key pages."""

    def visit_site(self, url: str) -> scrapy.Request:
        """The first request of a visit to the clinic website at `url`."""
        visit = SiteVisit(home=url, seen={url})
        return self._request(url, visit, self.parse_home)

    def parse_home(self, response: Response, visit: SiteVisit) -> Iterator[Any]:
        """Read the home page, choose the key pages to visit, then visit them one by one."""
        page = self.html_page(response)
        if page is None:
            return
        visit.home = page.url
        reading = self._add_page(visit, page)
        visit.pending = self._key_links(page, reading.links, visit)
        yield from self._continue(visit)

    def parse_page(self, response: Response, visit: SiteVisit) -> Iterator[Any]:
        """Read one key page, then go on with the visit."""
        page = self.html_page(response)
        if page is not None:
            self._add_page(visit, page)
        yield from self._continue(visit)

    def _add_page(self, visit: SiteVisit, response: TextResponse) -> PageReading:
        """Keep what a page of the visit states, unless the extractor failed on it."""
        reading = self.read_page(response)
        if reading.facts is not None:
            visit.pages.append((response.url, reading.facts))
        return reading

    def page_failed(self, failure: Failure) -> Iterator[Any]:
        """A key page that failed (or robots.txt forbids) does not end the visit."""
        request = failure.request  # type: ignore[attr-defined]
        visit: SiteVisit = request.cb_kwargs["visit"]
        if request.url == visit.home and not visit.pages:
            yield from self.download_failed(failure)
            return
        self.count_failure(failure)
        self.logger.info("page left out of %s: %s", visit.home, failure.getErrorMessage())
        yield from self._continue(visit)

    def _continue(self, visit: SiteVisit) -> Iterator[Any]:
        """The next page of the visit, or the finished listing."""
        if visit.pending:
            yield self._request(visit.pending.pop(0), visit, self.parse_page)
        elif visit.pages:
            yield self._listing(visit)

    def _request(self, url: str, visit: SiteVisit, callback: Any) -> scrapy.Request:
        # Pages of one visit are chained; the visit itself tracks what it has seen.
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.page_failed,
            cb_kwargs={"visit": visit},
            dont_filter=True,
        )

    def _key_links(
        self, response: TextResponse, links: list[tuple[str, str]], visit: SiteVisit
    ) -> list[str]:
        """Links within the site to contact, team and service pages, within the page budget."""
        root = _site_root(response.url)
        ranked: list[tuple[int, str]] = []
        for href, text in links:
            url = urldefrag(response.urljoin(href))[0]
            if not url.startswith(root) or url in visit.seen or NOT_KEY_PAGES.search(url):
                continue
            rank = _rank(urlsplit(url).path + " " + text)
            if rank is not None:
                visit.seen.add(url)
                ranked.append((rank, url))
        budget = self.source.page_budget - 1
        return [url for _, url in sorted(ranked, key=lambda pair: pair[0])][:budget]

    def _listing(self, visit: SiteVisit) -> ClinicItem:
        """Merge the pages of a visit into one listing; the home page speaks first."""
        return site_listing(
            visit.home,
            visit.pages,
            source_name=self.source.name,
            retrieved_at=self.provenance_time(),
        )


class ClinicSitesSpider(SiteVisitor):
    """Builds one listing per clinic website, from its home page and a few key pages."""

    name = "clinic_sites"
    kind = SourceKind.CLINIC_SITES

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.urls:
            yield self.visit_site(url)


def _site_root(url: str) -> str:
    """The part of the web a clinic's site covers: its origin and the start URL's folder."""
    parts = urlsplit(url)
    folder = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
    return f"{parts.scheme}://{parts.netloc}{folder}"


def _rank(text: str) -> int | None:
    """How much a link matters (lower is better), or None when it is not a key page."""
    for rank, pattern in enumerate(KEY_PAGES):
        if re.search(pattern, text, re.IGNORECASE):
            return rank
    return None
