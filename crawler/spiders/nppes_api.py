"""The NPPES NPI Registry API v2.1: look up the clinicians named on listings."""

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawler.spiders.base import SourceSpider
from directory.items import NpiRecordItem
from directory.licensing.lookups import ClinicianLookup, narrower
from directory.vocab import SourceKind

PAGE_LIMIT = 200  # the API's largest page
MAX_SKIP = 1000  # the API refuses to skip further: at most 1,200 records per query


def lookup_params(lookup: ClinicianLookup) -> dict[str, str]:
    """The registry's query parameters for one look-up."""
    if lookup.npi:
        return {"number": lookup.npi}
    wanted = {
        "first_name": lookup.first_name,
        "last_name": lookup.last_name,
        "state": lookup.state,
        "postal_code": lookup.postal_code,
    }
    return {key: value for key, value in wanted.items() if value}


class NppesApiSpider(SourceSpider):
    """Runs look-ups against the registry, page by page, and yields each record once."""

    name = "nppes_api"
    kind = SourceKind.NPPES_API

    def __init__(self, lookups: list[ClinicianLookup] | str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(lookups, str):  # from the command line: -a lookups='[{"npi": "..."}]'
            lookups = [ClinicianLookup(**entry) for entry in json.loads(lookups)]
        self.lookups = list(dict.fromkeys(lookups or []))
        self.seen_numbers: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        if not self.lookups:
            self.logger.info("no clinicians to look up")
        for lookup in self.lookups:
            yield self._request(lookup, skip=0)

    def _request(self, lookup: ClinicianLookup, skip: int) -> scrapy.Request:
        params = {
            "version": "2.1",
            **lookup_params(lookup),
            "limit": str(PAGE_LIMIT),
            "skip": str(skip),
        }
        return scrapy.Request(
            f"{self.source.url}?{urlencode(params)}",
            callback=self.parse,
            errback=self.download_failed,
            cb_kwargs={"lookup": lookup, "skip": skip},
        )

    def parse(self, response: Response, lookup: ClinicianLookup, skip: int) -> Iterator[Any]:
        """One page of results; the API reports errors as HTTP 200 with an `Errors` list."""
        results = registry_results(self, response, str(asdict(lookup)))
        if results is None:
            return
        for record in results:
            number = str(record.get("number", ""))
            if number in self.seen_numbers:
                continue
            self.seen_numbers.add(number)
            yield NpiRecordItem(**self.provenance(response), record=record)
        if len(results) < PAGE_LIMIT:
            return
        if skip + PAGE_LIMIT <= MAX_SKIP:
            yield self._request(lookup, skip + PAGE_LIMIT)
            return
        # Saturated: the registry gives no more than this; ask again by ZIP prefix.
        split = narrower(lookup)
        if not split:
            self.skip("query_saturated", f"{asdict(lookup)} has more than {MAX_SKIP + PAGE_LIMIT}")
            return
        self.crawler.stats.inc_value("nppes/queries_split")
        for smaller in split:
            yield self._request(smaller, skip=0)


def registry_results(
    spider: SourceSpider, response: Response, question: str
) -> list[dict[str, Any]] | None:
    """A registry page's result objects; None, counted as a skip, for a body that is not JSON or
    for the error object the API returns with HTTP 200."""
    try:
        data = json.loads(response.text)
    except ValueError:
        spider.skip("bad_json", response.url)
        return None
    if not isinstance(data, dict) or "Errors" in data or "results" not in data:
        spider.skip("api_error", f"{question}: {_describe_errors(data)}")
        return None
    return [result for result in data.get("results") or [] if isinstance(result, dict)]


def _describe_errors(data: Any) -> str:
    """The registry's error descriptions, readably."""
    if isinstance(data, dict) and isinstance(data.get("Errors"), list):
        return "; ".join(
            f"{e.get('number', '?')} {e.get('description', '')}".strip()
            for e in data["Errors"]
            if isinstance(e, dict)
        )
    return "unexpected response shape"
