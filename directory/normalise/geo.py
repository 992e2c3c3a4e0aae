"""Offline geography: state codes, ZIP centroids and city centroids from the `zipcodes` gazetteer.

Coordinates are ZIP centroids (GeoNames, CC BY 4.0), never street-level positions.
"""

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from statistics import fmean
from typing import Any

import us
import zipcodes

Point = tuple[float, float]
"""(latitude, longitude) in decimal degrees."""

_ZIP5 = re.compile(r"\d{5}", re.ASCII)
_STATE_CODES: dict[str, str] = {
    key: state.abbr
    for state in us.STATES_AND_TERRITORIES
    for key in (state.abbr.casefold(), state.name.casefold())
}
# zipcodes matches cities by exact string; both sides are reduced to one spelling instead.
_CITY_WORDS = {
    "st": "saint",
    "ste": "sainte",
    "ft": "fort",
    "mt": "mount",
    "mtn": "mountain",
    "pt": "point",
    "hts": "heights",
}
_LEADING_DIRECTIONS = {"n": "north", "s": "south", "e": "east", "w": "west"}
_NOT_A_WORD_CHARACTER = re.compile(r"[^a-z0-9]+")


def state_code(text: str | None) -> str | None:
    """The two-letter code of a US state or territory given its code or name ("Texas" → "TX")."""
    if text is None:
        return None
    key = " ".join(text.replace(".", "").split()).casefold()
    return _STATE_CODES.get(key)


def city_key(city: str) -> str:
    """A city name reduced for comparison: no case, accents or punctuation, "St." as "saint"."""
    ascii_text = unicodedata.normalize("NFKD", city).encode("ascii", "ignore").decode()
    words = _NOT_A_WORD_CHARACTER.sub(" ", ascii_text.casefold()).split()
    if len(words) > 1:
        words[0] = _LEADING_DIRECTIONS.get(words[0], words[0])
    return " ".join(_CITY_WORDS.get(word, word) for word in words)


@lru_cache(maxsize=4096)
def _zip_record(postal_code: str) -> dict[str, Any] | None:
    """The gazetteer record of a five-digit ZIP code."""
    if not _ZIP5.fullmatch(postal_code):
        return None
    records = zipcodes.matching(postal_code)
    return records[0] if records else None


def zip_centroid(postal_code: str | None) -> Point | None:
    """The centroid of a five-digit ZIP code, or None if the gazetteer does not know it."""
    record = _zip_record(postal_code) if postal_code else None
    return None if record is None else _point(record)


def zip_state(postal_code: str | None) -> str | None:
    """The state a five-digit ZIP code belongs to."""
    record = _zip_record(postal_code) if postal_code else None
    return None if record is None else str(record["state"])


def zip_cities(postal_code: str | None) -> tuple[str, ...]:
    """The city names the postal service accepts for a ZIP code, the preferred one first."""
    record = _zip_record(postal_code) if postal_code else None
    if record is None:
        return ()
    return (str(record["city"]), *(str(name) for name in record["acceptable_cities"]))


def same_city(a: str, b: str) -> bool:
    """Whether two spellings name the same city ("St. Louis" and "SAINT LOUIS")."""
    return bool(city_key(a)) and city_key(a) == city_key(b)


@lru_cache(maxsize=4096)
def city_centroid(city: str | None, state: str | None) -> Point | None:
    """The mean of a city's ZIP centroids, by its preferred name or else an accepted one."""
    code = state_code(state)
    if not city or code is None:
        return None
    key = city_key(city)
    preferred, accepted = _city_index()
    points = preferred.get((code, key)) or accepted.get((code, key))
    if not points:
        return None
    return fmean(lat for lat, _ in points), fmean(lon for _, lon in points)


@lru_cache(maxsize=1)
def _city_index() -> tuple[dict[tuple[str, str], list[Point]], dict[tuple[str, str], list[Point]]]:
    """ZIP centroids by (state, city key): under preferred city names, and under accepted ones."""
    preferred: dict[tuple[str, str], list[Point]] = defaultdict(list)
    accepted: dict[tuple[str, str], list[Point]] = defaultdict(list)
    for record in zipcodes.list_all():
        point = _point(record)
        preferred[record["state"], city_key(record["city"])].append(point)
        for name in record["acceptable_cities"]:
            accepted[record["state"], city_key(name)].append(point)
    return dict(preferred), dict(accepted)


def zip_prefixes(state: str | None, within: str = "") -> tuple[str, ...]:
    """The ZIP-code prefixes one digit longer than `within` (two digits at first) that a state's
    ZIP codes begin with; every state's when `state` is None."""
    length = max(len(within) + 1, 2)
    codes = _zip_codes_by_state().get(state, ()) if state else _all_zip_codes()
    return tuple(sorted({code[:length] for code in codes if code.startswith(within)}))


@lru_cache(maxsize=1)
def _zip_codes_by_state() -> dict[str, tuple[str, ...]]:
    """Every five-digit ZIP code in the gazetteer, by state."""
    found: dict[str, list[str]] = defaultdict(list)
    for record in zipcodes.list_all():
        found[record["state"]].append(str(record["zip_code"]))
    return {state: tuple(codes) for state, codes in found.items()}


def _all_zip_codes() -> tuple[str, ...]:
    return tuple(code for codes in _zip_codes_by_state().values() for code in codes)


def distance_km(a: Point, b: Point) -> float:
    """The great-circle distance between two points in kilometres."""
    miles: float = zipcodes.haversine(a[1], a[0], b[1], b[0])
    return miles * 1.609344


def _point(record: dict[str, Any]) -> Point:
    """A gazetteer record's centroid as floats."""
    return float(record["lat"]), float(record["long"])
