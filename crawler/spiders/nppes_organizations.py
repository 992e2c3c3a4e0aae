"""Discovery from the NPPES NPI Registry: organisations whose registered name marks them as
ketamine providers (`organization_name=ketamine*`, state by state), as listings."""

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawler.spiders.base import SourceSpider
from crawler.spiders.nppes_api import MAX_SKIP, PAGE_LIMIT, registry_results
from directory.items import ClinicianItem, ClinicItem, LocationItem
from directory.vocab import SourceKind

DOING_BUSINESS_AS = "3"  # the registry's code for an organisation's "Doing Business As" name


class NppesOrganizationsSpider(SourceSpider):
    """Searches the registry for organisations by name in each state; each one is a listing."""

    name = "nppes_organizations"
    kind = SourceKind.NPPES_ORGANIZATIONS

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.seen_numbers: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        for state in self.source.states:
            for pattern in self.source.names:
                yield self._request(state, pattern, skip=0)

    def _request(self, state: str, pattern: str, skip: int) -> scrapy.Request:
        params = {
            "version": "2.1",
            "enumeration_type": "NPI-2",
            "organization_name": pattern,
            "state": state,
            "limit": str(PAGE_LIMIT),
            "skip": str(skip),
        }
        return scrapy.Request(
            f"{self.source.url}?{urlencode(params)}",
            callback=self.parse,
            errback=self.download_failed,
            cb_kwargs={"state": state, "pattern": pattern, "skip": skip},
        )

    def parse(self, response: Response, state: str, pattern: str, skip: int) -> Iterator[Any]:
        """One page of organisations; the API reports errors as HTTP 200 with an `Errors` list."""
        results = registry_results(self, response, f"{state} {pattern}")
        if results is None:
            return
        for record in results:
            number = str(record.get("number", ""))
            if number not in self.seen_numbers:
                self.seen_numbers.add(number)
                yield self._listing(response, record)
        if len(results) >= PAGE_LIMIT and skip + PAGE_LIMIT <= MAX_SKIP:
            yield self._request(state, pattern, skip + PAGE_LIMIT)
        elif len(results) >= PAGE_LIMIT:
            self.skip("query_saturated", f"{state} {pattern} has more than {MAX_SKIP + PAGE_LIMIT}")

    def _listing(self, response: Response, record: dict[str, Any]) -> ClinicItem:
        """An organisation as a listing: its name, practice locations and authorised official."""
        basic = record.get("basic") or {}
        trading_as = self._parse_other_names(record)
        legal_name = basic.get("organization_name")
        names = [name for name in (*trading_as, legal_name) if name]
        return ClinicItem(
            **self.provenance(response),
            name=names[0] if names else None,
            locations=self._parse_locations(record),
            clinicians=self._parse_official(basic),
            service_texts=names + self._parse_taxonomies(record),
            page_urls=[response.url],
        )

    def _parse_other_names(self, record: dict[str, Any]) -> list[str]:
        """The names the organisation does business as (preferred to its legal name)."""
        return [
            str(other.get("organization_name"))
            for other in record.get("other_names") or []
            if isinstance(other, dict)
            and str(other.get("code")) == DOING_BUSINESS_AS
            and other.get("organization_name")
        ]

    def _parse_locations(self, record: dict[str, Any]) -> list[LocationItem]:
        """The practice locations: the LOCATION address and any further practice locations."""
        addresses = [
            address
            for address in record.get("addresses") or []
            if isinstance(address, dict) and address.get("address_purpose") == "LOCATION"
        ]
        addresses += [a for a in record.get("practiceLocations") or [] if isinstance(a, dict)]
        return [
            LocationItem(
                street=" ".join(
                    str(address[key]) for key in ("address_1", "address_2") if address.get(key)
                ),
                city=address.get("city"),
                region=address.get("state"),
                postal_code=address.get("postal_code"),
                phone=address.get("telephone_number"),
            )
            for address in addresses
        ]

    def _parse_official(self, basic: dict[str, Any]) -> list[ClinicianItem]:
        """The authorised official, when a credential says they are a clinician.

        Officials are often administrators; one without a credential names no clinician.
        """
        credential = basic.get("authorized_official_credential")
        parts = [
            basic.get(f"authorized_official_{part}_name") for part in ("first", "middle", "last")
        ]
        if not credential or not parts[-1]:
            return []
        return [ClinicianItem(name=" ".join(p for p in parts if p), credentials=credential)]

    def _parse_taxonomies(self, record: dict[str, Any]) -> list[str]:
        """The taxonomy descriptions the organisation registered under."""
        return [
            str(taxonomy["desc"])
            for taxonomy in record.get("taxonomies") or []
            if isinstance(taxonomy, dict) and taxonomy.get("desc")
        ]
