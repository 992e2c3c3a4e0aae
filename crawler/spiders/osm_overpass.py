"""Discovery from OpenStreetMap through the Overpass API: clinics tagged or named for ketamine."""

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawler.spiders.base import SourceSpider
from directory.items import ClinicItem, LocationItem
from directory.vocab import SourceKind

PHONE_TAGS = ("phone", "contact:phone")
WEBSITE_TAGS = ("website", "contact:website", "url")
SERVICE_TAGS = ("name", "description", "healthcare:speciality", "healthcare", "amenity")


class OsmOverpassSpider(SourceSpider):
    """Sends the source's Overpass QL query and yields one listing per element found."""

    name = "osm_overpass"
    kind = SourceKind.OSM_OVERPASS

    async def start(self) -> AsyncIterator[Any]:
        query = urlencode({"data": self.source.query or ""})
        yield scrapy.Request(
            f"{self.source.url}?{query}", callback=self.parse, errback=self.download_failed
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClinicItem]:
        """The interpreter's answer; a `remark` means the query failed part-way (a timeout)."""
        try:
            data = json.loads(response.text)
        except ValueError:
            self.skip("bad_json", response.url)
            return
        if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
            self.skip("unexpected_response", response.url)
            return
        if data.get("remark"):  # an error, so the run does not count as having seen everything
            self.logger.error("Overpass answered with a remark: %s", data["remark"])
        for element in data["elements"]:
            if isinstance(element, dict) and isinstance(element.get("tags"), dict):
                yield self._listing(response, element)

    def _listing(self, response: Response, element: dict[str, Any]) -> ClinicItem:
        """One node, way or relation as a listing, with the OSM element named in its URL."""
        tags: dict[str, str] = element["tags"]
        provenance = self.provenance(response)
        provenance["source_url"] = f"{response.url}#{element.get('type')}/{element.get('id')}"
        return ClinicItem(
            **provenance,
            name=tags.get("name"),
            website=_first(tags, WEBSITE_TAGS),
            locations=[self._parse_location(element, tags)],
            service_texts=[tags[key] for key in SERVICE_TAGS if tags.get(key)],
            phones=[phone for key in PHONE_TAGS if (phone := tags.get(key))],
            page_urls=[response.url],
        )

    def _parse_location(self, element: dict[str, Any], tags: dict[str, str]) -> LocationItem:
        """The element's `addr:*` tags and its point (a way's or relation's `center`)."""
        point = element.get("center") or element
        street = " ".join(
            part for part in (tags.get("addr:housenumber"), tags.get("addr:street")) if part
        )
        if tags.get("addr:unit"):
            street += f" Suite {tags['addr:unit']}"
        return LocationItem(
            street=street or None,
            city=tags.get("addr:city"),
            region=tags.get("addr:state"),
            postal_code=tags.get("addr:postcode"),
            phone=_first(tags, PHONE_TAGS),
            latitude=str(point["lat"]) if "lat" in point else None,
            longitude=str(point["lon"]) if "lon" in point else None,
        )


def _first(tags: dict[str, str], keys: tuple[str, ...]) -> str | None:
    """The first of several tags that is set."""
    return next((tags[key] for key in keys if tags.get(key)), None)
