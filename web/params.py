"""Reading search parameters from a URL's query string into the types the search takes, and
row ids from its path.

The page and the API share these, so a search URL means the same on both.
"""

from collections.abc import Mapping
from math import isfinite
from typing import Any, TypeVar

from flask import current_app
from werkzeug.routing import IntegerConverter, Map

from directory.geocode import Geocoder
from directory.search import (
    MAX_RADIUS_MILES,
    MIN_RADIUS_MILES,
    Filters,
    Place,
    Ranking,
    SearchInputError,
    SearchResults,
    place_at,
    rank_clinics,
    results_of,
)
from directory.vocab import Condition, Modality, Verdict
from web.db import get_session, get_spatial_index

DEFAULT_RADIUS_MILES = 25.0
ALL_STATUSES = "all"
MAX_PARAMETER_LENGTH = 200
_YES = {"1", "true", "yes", "on"}
_NO = {"", "0", "false", "no", "off"}
Word = TypeVar("Word", Modality, Condition)
MAX_ROW_ID = 2**31 - 1
"""The largest id a row can have (an INTEGER column on PostgreSQL)."""


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: a row id, so one past `MAX_ROW_ID` is not found (404) rather
    than an error from the database."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **{"max": MAX_ROW_ID, **kwargs})


def run_ranking(args: Mapping[str, str], limit: int, offset: int) -> Ranking:
    """The search a query string describes, on the app's database, index and geocoder, as ids
    and distances (the API reads its records apart; `run_search` loads the clinics)."""
    return rank_clinics(
        get_session(),
        parse_place(args),
        parse_radius(args.get("radius")),
        parse_filters(args),
        limit,
        offset,
        index=get_spatial_index(),
        geocoder=configured_geocoder(),
    )


def run_search(args: Mapping[str, str], limit: int, offset: int) -> SearchResults:
    """The search a query string describes, with its page's clinics loaded."""
    return results_of(get_session(), run_ranking(args, limit, offset))


def configured_geocoder() -> Geocoder | None:
    """The street-address geocoder at GEOCODER_URL; None when it is set empty."""
    url = current_app.config.get("GEOCODER_URL")
    return Geocoder(url) if url else None


def parse_radius(text: str | None) -> float:
    """The radius in miles; the default when absent (the search checks its range)."""
    if text is None or not text.strip():
        return DEFAULT_RADIUS_MILES
    try:
        if len(text) > MAX_PARAMETER_LENGTH:
            raise ValueError(text)
        return float(text)
    except ValueError:
        raise SearchInputError(
            "Choose a distance between %(min)d and %(max)d miles.",
            field="radius",
            min=MIN_RADIUS_MILES,
            max=MAX_RADIUS_MILES,
        ) from None


def parse_statuses(text: str | None) -> frozenset[Verdict] | None:
    """The verdicts to show: "verified" by default, None for "all", or a comma-separated list."""
    words = {word.strip().lower() for word in (text or "").split(",") if word.strip()}
    if not words:
        return frozenset({Verdict.VERIFIED})
    if ALL_STATUSES in words:
        return None
    unknown = sorted(words - set(Verdict))
    if unknown:
        choices = ", ".join([*Verdict, ALL_STATUSES])
        raise SearchInputError(
            "Unknown status %(given)s; use one or more of %(choices)s.",
            field="status",
            given=_shorten(", ".join(unknown)),
            choices=choices,
        )
    return frozenset(Verdict(word) for word in words)


def parse_count(text: str | None, default: int, field: str) -> int:
    """A whole number such as a page size or offset; the default when absent."""
    if text is None or not text.strip():
        return default
    try:
        if len(text) > MAX_PARAMETER_LENGTH:
            raise ValueError(text)
        return int(text)
    except ValueError:
        raise SearchInputError(
            "%(name)s must be a whole number.", field=field, name=field
        ) from None


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Verdicts, treatment, condition and psychotherapy support from the query string."""
    return Filters(
        verdicts=parse_statuses(args.get("status")),
        modality=_choice(Modality, args.get("modality"), "modality"),
        condition=_choice(Condition, args.get("condition"), "condition"),
        support=_flag(args.get("support"), "support"),
    )


def _flag(text: str | None, field: str) -> bool:
    """A yes-or-no parameter: false when absent or empty."""
    word = (text or "").strip().lower()
    if word in _YES or word in _NO:
        return word in _YES
    raise SearchInputError(
        "Unknown %(name)s %(given)s; use one of %(choices)s.",
        field=field,
        name=field,
        given=_shorten(text or ""),
        choices="true, false",
    )


def parse_place(args: Mapping[str, str]) -> str | Place:
    """The `near` text, or the point given by `lat` and `lon` (the browser's location)."""
    lat, lon = args.get("lat", ""), args.get("lon", "")
    if not (lat or lon):
        return args.get("near", "")
    try:
        if len(lat) + len(lon) > MAX_PARAMETER_LENGTH:
            raise ValueError(lat)
        point = float(lat), float(lon)
    except ValueError:
        point = (float("nan"), float("nan"))
    if not all(isfinite(value) for value in point):
        raise SearchInputError("That location is not on the map. Enter a ZIP code instead.")
    return place_at(*point)


def _choice(vocabulary: type[Word], text: str | None, field: str) -> Word | None:
    """One word of a vocabulary, or None when the parameter is absent or empty."""
    if not text or not text.strip():
        return None
    try:
        return vocabulary(text.strip().lower())
    except ValueError:
        choices = ", ".join(vocabulary)
        raise SearchInputError(
            "Unknown %(name)s %(given)s; use one of %(choices)s.",
            field=field,
            name=field,
            given=_shorten(text),
            choices=choices,
        ) from None


def _shorten(text: str, length: int = 40) -> str:
    """Text to quote back in a message, cut to a readable length."""
    return text if len(text) <= length else text[: length - 1] + "…"
