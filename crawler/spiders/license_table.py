"""State licence tables: Socrata SODA JSON pages or CSV downloads, mapped by the sources file."""

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawler.spiders.base import SourceSpider
from crawler.spiders.tables import csv_rows, decode_body
from directory.items import LicenseItem
from directory.vocab import SourceKind

SODA_PAGE = 1000


class LicenseTableSpider(SourceSpider):
    """Yields one item per licence row, keyed by our field names through `[source.columns]`."""

    name = "license_table"
    kind = SourceKind.LICENSE_TABLE

    async def start(self) -> AsyncIterator[Any]:
        if self.source.format == "soda":
            yield self._soda_request(offset=0)
        else:
            yield scrapy.Request(
                self.source.url or "", callback=self.parse_csv, errback=self.download_failed
            )

    def _soda_request(self, offset: int) -> scrapy.Request:
        # A stable order is required, or rows move between pages.
        params = {"$limit": SODA_PAGE, "$offset": offset, "$order": ":id"}
        separator = "&" if "?" in (self.source.url or "") else "?"
        return scrapy.Request(
            f"{self.source.url}{separator}{urlencode(params)}",
            callback=self.parse_soda,
            errback=self.download_failed,
            cb_kwargs={"offset": offset},
        )

    def parse_soda(self, response: Response, offset: int) -> Iterator[Any]:
        """One SODA page: a JSON array of row objects whose missing values are omitted keys."""
        try:
            rows = json.loads(response.text)
        except ValueError:
            self.skip("bad_json", response.url)
            return
        if not isinstance(rows, list):
            self.skip("api_error", f"{response.url}: {str(rows)[:200]}")
            return
        for row in rows:
            yield from self._item(response, row if isinstance(row, dict) else {})
        if len(rows) == SODA_PAGE:
            yield self._soda_request(offset + SODA_PAGE)

    def parse_csv(self, response: Response) -> Iterator[Any]:
        """A CSV download; its header must have every column the mapping names."""
        header, rows = csv_rows(decode_body(response))
        missing = sorted(set(self.source.columns.values()) - set(header))
        if missing:
            self.skip("missing_columns", f"{response.url} has no column(s) {missing}")
            return
        for line, row in rows:
            if row is None:
                self.skip("malformed_row", f"{response.url} line {line}")
            else:
                yield from self._item(response, row)

    def _item(self, response: Response, row: dict[str, Any]) -> Iterator[LicenseItem]:
        """A row mapped onto our field names; values stay raw strings."""
        fields = {
            ours: str(row[theirs]).strip()
            for ours, theirs in self.source.columns.items()
            if row.get(theirs) not in (None, "")
        }
        yield LicenseItem(**self.provenance(response), fields=fields)
