"""Clinic directories: walk the paginated listing, read each clinic's detail page."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from crawler.spiders.base import SourceSpider, read_page, select
from directory.items import ClinicianItem, ClinicItem, LocationItem
from directory.vocab import SourceKind


class DirectorySpider(SourceSpider):
    """Follows item links and next-page links; detail pages give one listing each."""

    name = "directory"
    kind = SourceKind.DIRECTORY

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(
            self.source.url or "", callback=self.parse, errback=self.download_failed
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A listing page: every item link, then the next page."""
        if not isinstance(response, TextResponse):
            self.skip("not_html", response.url)
            return
        links = select(response, self.source.item_links or "")
        if not links:
            self.skip("no_items", f"{response.url} matched nothing for item_links")
        for href in links:
            yield response.follow(href, callback=self.parse_detail, errback=self.download_failed)
        if self.source.next_page:
            for href in select(response, self.source.next_page)[:1]:
                yield response.follow(href, callback=self.parse, errback=self.download_failed)

    def parse_detail(self, response: Response) -> Iterator[ClinicItem]:
        """A clinic's detail page: the source's field selectors first, then what the page shows."""
        if not isinstance(response, TextResponse):
            self.skip("not_html", response.url)
            return
        facts = read_page(response)
        fields = {key: select(response, expr) for key, expr in self.source.fields.items()}
        addresses = fields.get("address") or []
        phones = [phone.removeprefix("tel:") for phone in fields.get("phone") or facts.phones]
        named = fields.get("clinicians")
        yield ClinicItem(
            **self.provenance(response),
            name=_first(fields.get("name")) or facts.name,
            website=self._parse_website(response, fields) or facts.website,
            locations=[LocationItem(address=a) for a in addresses]
            or facts.locations + facts.printed_locations,
            clinicians=[ClinicianItem(name=n) for n in named] if named else facts.clinicians,
            phones=phones,
            service_texts=(fields.get("services") or []) + facts.service_texts,
            page_urls=[response.url],
        )

    def _parse_website(self, response: Response, fields: dict[str, list[str]]) -> str | None:
        """The clinic's own website, as an absolute URL."""
        website = _first(fields.get("website"))
        return response.urljoin(website) if website else None


def _first(values: list[str] | None) -> str | None:
    """The first value of a selection, if any."""
    return values[0] if values else None
