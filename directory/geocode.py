"""Street addresses to points through a geocoder that speaks the US Census Bureau's format.

The Census geocoder's `locations/onelineaddress` answers `?address=…&benchmark=…&format=json`
with `result.addressMatches[]`, each with `coordinates` {x: longitude, y: latitude} and a
`matchedAddress`. The local web serves a stand-in of the same shape for the tests and the demo.
"""

import json
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

CENSUS_GEOCODER_URL = "https://geocoding.geo.census.gov/geocoder/locations/onelineaddress"
USER_AGENT = "ketamine-clinic-directory (+https://github.com/ketamine-clinic-directory)"


class GeocoderError(RuntimeError):
    """The geocoder could not be asked or gave an answer we cannot read."""


@dataclass(frozen=True)
class Match:
    """Where the geocoder put an address, and how it wrote the address back."""

    lat: float
    lon: float
    address: str


@dataclass(frozen=True)
class Geocoder:
    """A Census-format one-line-address geocoder at `url`."""

    url: str = CENSUS_GEOCODER_URL
    benchmark: str = "Public_AR_Current"
    timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        if urlsplit(self.url).scheme not in {"http", "https"}:
            raise ValueError(f"the geocoder URL must be http(s): {self.url}")

    def locate(self, address: str) -> Match | None:
        """The best match for a one-line address, or None when the geocoder knows none."""
        query = urlencode({"address": address, "benchmark": self.benchmark, "format": "json"})
        url = f"{self.url}?{query}"
        request = Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310 - http(s) only
        try:
            with urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310
                document = json.load(response)
            matches = document["result"]["addressMatches"]
            if not matches:
                return None
            best = matches[0]
            point = best["coordinates"]
            return Match(float(point["y"]), float(point["x"]), str(best["matchedAddress"]))
        except (URLError, TimeoutError, OSError, ValueError, KeyError, TypeError) as error:
            raise GeocoderError(f"the geocoder at {self.url} failed: {error}") from error
