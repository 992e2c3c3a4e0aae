"""Clinic directories: walk the paginated listing, read each clinic's detail page, and follow
through to the clinic's own website when the directory links one."""

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.extract import item_list_entries
from crawler.spiders.base import select
from crawler.spiders.clinic_sites import SiteVisitor
from directory.items import ClinicianItem, ClinicItem, LocationItem
from directory.vocab import SourceKind

NEXT_PAGE = "link[rel=next]::attr(href), a[rel=next]::attr(href)"
"""Where a listing page links its next page when the source names no selector."""


class DirectorySpider(SiteVisitor):
    """Follows item links and next-page links; detail pages give one listing each, and the
    clinic's own website, where the directory links one, is visited for another.

    With no selectors at all, a directory that marks its pages up as a schema.org `ItemList`
    (and links the next page with rel=next) is walked just the same.
    """

    name = "directory"
    kind = SourceKind.DIRECTORY

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.visited_sites: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(
            self.source.url or "", callback=self.parse, errback=self.download_failed
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A listing page: every item link, then the next page."""
        page = self.html_page(response)
        if page is None:
            return
        entries = self._parse_items(page)
        if not entries:
            self.skip("no_items", f"{response.url} lists no clinics")
        for href, name in entries:
            yield response.follow(
                href,
                callback=self.parse_detail,
                errback=self.download_failed,
                cb_kwargs={"listed_name": name},
            )
        for href in select(response, self.source.next_page or NEXT_PAGE)[:1]:
            yield response.follow(href, callback=self.parse, errback=self.download_failed)

    def _parse_items(self, response: TextResponse) -> list[tuple[str, str | None]]:
        """The clinics a listing page links (with the name it lists them by, if it says).

        By the source's item selector, else by the page's schema.org ItemList.
        """
        if self.source.item_links:
            return [(href, None) for href in select(response, self.source.item_links)]
        return item_list_entries(response.text, response.url)

    def parse_detail(self, response: Response, listed_name: str | None = None) -> Iterator[Any]:
        """A clinic's detail page: the source's field selectors first, then what the page shows.

        Then the clinic's own website, if the page links one, is visited like a clinic site.
        """
        page = self.html_page(response)
        if page is None:
            return
        facts = self.read_page(page).facts
        if facts is None:
            return
        fields = {key: select(response, expr) for key, expr in self.source.fields.items()}
        addresses = fields.get("address") or []
        phones = [phone.removeprefix("tel:") for phone in fields.get("phone") or facts.phones]
        named = fields.get("clinicians")
        website = self._parse_website(response, fields) or facts.website
        yield ClinicItem(
            **self.provenance(response),
            name=_first(fields.get("name")) or facts.name or listed_name,
            website=website,
            locations=[LocationItem(address=a) for a in addresses]
            or facts.locations + facts.printed_locations,
            clinicians=[ClinicianItem(name=n) for n in named] if named else facts.clinicians,
            phones=phones,
            service_texts=(fields.get("services") or []) + facts.service_texts,
            page_urls=[response.url],
        )
        if website and self._is_new_site(website, response.url):
            self.visited_sites.add(website)
            yield self.visit_site(website)

    def _is_new_site(self, website: str, directory_page: str) -> bool:
        """Whether a linked website is a clinic's own (not the directory's, and on the web: no
        `javascript:` or `data:` link) and not yet visited."""
        parts = urlsplit(website)
        elsewhere = parts.netloc != urlsplit(directory_page).netloc
        web = parts.scheme in {"http", "https"} and bool(parts.netloc)
        return web and elsewhere and website not in self.visited_sites

    def _parse_website(self, response: Response, fields: dict[str, list[str]]) -> str | None:
        """The clinic's own website, as an absolute URL."""
        website = _first(fields.get("website"))
        return response.urljoin(website) if website else None


def _first(values: list[str] | None) -> str | None:
    """The first value of a selection, if any."""
    return values[0] if values else None
