"""The OIG List of Excluded Individuals/Entities (LEIE) CSV."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.spiders.base import SourceSpider
from crawler.spiders.tables import csv_rows, decode_body
from directory.items import ExclusionItem
from directory.vocab import SourceKind

LEIE_COLUMNS = [
    "LASTNAME",
    "FIRSTNAME",
    "MIDNAME",
    "BUSNAME",
    "GENERAL",
    "SPECIALTY",
    "UPIN",
    "NPI",
    "DOB",
    "ADDRESS",
    "CITY",
    "STATE",
    "ZIP",
    "EXCLTYPE",
    "EXCLDATE",
    "REINDATE",
    "WAIVERDATE",
    "WVRSTATE",
]


class LeieCsvSpider(SourceSpider):
    """Yields one item per exclusion row of the published file."""

    name = "leie_csv"
    kind = SourceKind.LEIE_CSV

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(
            self.source.url or "", callback=self.parse, errback=self.download_failed
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """The whole file; it must have the published columns, and bad lines are skipped."""
        header, rows = csv_rows(decode_body(response))
        if header != LEIE_COLUMNS:
            self.skip("unexpected_header", f"{response.url}: {header[:20]}")
            return
        for line, row in rows:
            if row is None:
                self.skip("malformed_row", f"{response.url} line {line}")
            else:
                yield ExclusionItem(**self.provenance(response), row=row)
