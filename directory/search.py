"""Location search: turn "78701" or "Austin, TX" into a point and find clinics within a radius.

The only reader the web uses for search. ZIP coordinates come from the offline `zipcodes`
package (GeoNames data), so a search never calls out to the network.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from math import asin, cos, degrees, pi, radians, sin
from typing import Any

import us
import zipcodes
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from directory.geocode import Geocoder, GeocoderError
from directory.models import Clinic, Location
from directory.spatial import SpatialIndex, detect_index, in_box_around, rtree
from directory.vocab import Condition, Modality, Verdict

EARTH_RADIUS_MILES = 3958.8
MIN_RADIUS_MILES = 5.0
MAX_RADIUS_MILES = 250.0
MAX_QUERY_LENGTH = 200
MAX_LIMIT = 500
# Widen the SQL box a little so float rounding at its edge never drops a clinic the exact
# distance check would keep; the exact distance has the last word.
_BOX_MARGIN_DEGREES = 1e-6
_RADIANS = pi / 180  # per degree
_Box = tuple[tuple[float, float], list[tuple[float, float]]]
"""A latitude range and one or two longitude ranges."""
_JSON_ELEMENTS = {"postgresql": func.json_array_elements_text}
"""Each dialect's function from a JSON list to a table of its elements (SQLite: json_each)."""

_ZIP = re.compile(r"(\d{5})(?:-?\d{4})?")
_TRAILING_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\s*$")
SUPPORT_MODALITIES = frozenset({Modality.KETAMINE_ASSISTED_PSYCHOTHERAPY})
"""Treatments that come with psychotherapy or integration support."""
_ABBREVIATIONS = {"ST": "SAINT", "STE": "SAINTE", "FT": "FORT", "MT": "MOUNT"}
_LISTING_LOADS = (
    selectinload(Clinic.locations),
    selectinload(Clinic.clinicians),
    selectinload(Clinic.field_sources),
    selectinload(Clinic.verifications),
    selectinload(Clinic.flags),
    selectinload(Clinic.overrides),
)
_HIT_LOADS = (selectinload(Clinic.locations), selectinload(Clinic.verifications))
"""What a results page reads of each clinic: its locations, and the newest verdict's reason."""


class SearchInputError(ValueError):
    """A search the patient asked for cannot be run; the message says why in plain words."""

    def __init__(self, template: str, field: str = "near", **params: object) -> None:
        self.message = template % params if params else template
        super().__init__(self.message)
        self.template = template  # with its params, so the site can show it translated
        self.params = params
        self.field = field


@dataclass(frozen=True)
class Place:
    """A point to search around, with the name a patient will recognise."""

    lat: float
    lon: float
    label: str
    approximate: bool = False
    """True when an address could not be placed and its ZIP code's centre stands in for it."""


@dataclass(frozen=True)
class Hit:
    """One clinic found by a search, at its location nearest the place searched."""

    clinic: Clinic
    location: Location
    distance_miles: float


@dataclass(frozen=True)
class Ranked:
    """One clinic a search found: its id, the id of its nearest location, and the distance."""

    clinic_id: int
    location_id: int
    distance_miles: float


@dataclass(frozen=True)
class Ranking:
    """One page of a search as ids and distances, nearest first, and how many there are in all."""

    place: Place
    radius_miles: float
    page: list[Ranked]
    total: int


@dataclass(frozen=True)
class SearchResults:
    """One page of clinics near a place, nearest first, and how many there are in all."""

    place: Place
    radius_miles: float
    hits: list[Hit]
    total: int


def place_at(lat: float, lon: float, label: str = "your location") -> Place:
    """A point given in degrees (from the browser's geolocation), checked to be on the globe."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SearchInputError("That location is not on the map. Enter a ZIP code instead.")
    return Place(lat, lon, label)


@lru_cache(maxsize=2048)
def resolve_place(query: str, geocoder: Geocoder | None = None) -> Place:
    """The point for a ZIP code (or ZIP+4), a "City, ST" query, or a street address."""
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchInputError("That search is too long. Enter a ZIP code or a city and state.")
    text = " ".join(query.split())
    if not text:
        raise SearchInputError(
            "Enter a ZIP code or a city and state, for example 78701 or Austin, TX."
        )
    zip_match = _ZIP.fullmatch(text)
    if zip_match:
        return _zip_place(zip_match.group(1))
    if text.isdigit():
        raise SearchInputError("A ZIP code has five digits, for example 78701.")
    if text[0].isdigit():
        return _address_place(text, geocoder)
    return _city_place(text)


def _address_place(text: str, geocoder: Geocoder | None) -> Place:
    """A street address through the geocoder; else the centre of the ZIP code it ends with."""
    if geocoder is not None:
        try:
            match = geocoder.locate(text)
        except GeocoderError:
            match = None  # the ZIP code below still gives the patient a useful search
        if match is not None:
            return Place(match.lat, match.lon, match.address)
    zip_match = _TRAILING_ZIP.search(text)
    if zip_match is None:
        raise SearchInputError(
            "We couldn't find that address. Add its ZIP code, or enter a city and state."
        )
    centre = _zip_place(zip_match.group(1))
    return Place(centre.lat, centre.lon, centre.label, approximate=True)


def _zip_place(zip_code: str) -> Place:
    """The centroid of a five-digit ZIP code."""
    place = _zip_index().get(zip_code)
    if place is None:
        raise SearchInputError(
            "We don't know the ZIP code %(zip)s. Check it, or try a city and state.", zip=zip_code
        )
    return place


def load_gazetteer() -> None:
    """Build the ZIP and city indexes now (about a second), not in the first searches.

    A server calls this before it serves: the indexes are cached once built, but threads that
    all search at start would each build them at once, queueing every search behind them.
    """
    _zip_index()
    _city_index()


@cache
def _zip_index() -> dict[str, Place]:
    """Every ZIP code's centroid with its label, read from the gazetteer once."""
    return {
        row["zip_code"]: Place(
            float(row["lat"]),
            float(row["long"]),
            f"{row['zip_code']} ({row['city']}, {row['state']})",
        )
        for row in zipcodes.list_all()
    }


def _city_place(text: str) -> Place:
    """The average of a city's ZIP centroids, trying each way of splitting off the state."""
    splits = list(_city_state_splits(text))
    if not splits:
        raise SearchInputError(
            "Enter a ZIP code, or a city and its state, for example 78701 or Austin, TX."
        )
    for city, state in splits:
        place = _city_centroid(_city_key(city), state)
        if place is not None:
            return place
    city, state = splits[0]
    raise SearchInputError(
        "We couldn't find %(city)s, %(state)s. Check the spelling, or enter a ZIP code.",
        city=city,
        state=state,
    )


def _city_state_splits(text: str) -> Iterable[tuple[str, str]]:
    """Candidate (city, state abbreviation) pairs: after the last comma, else the last words."""
    if "," in text:
        city, _, state_text = text.rpartition(",")
        candidates = [(city, state_text)]
    else:
        words = text.split(" ")
        candidates = [
            (" ".join(words[:-n]), " ".join(words[-n:])) for n in range(1, min(len(words), 4))
        ]
    for city, state_text in candidates:
        state = _state_abbr(state_text.strip())
        if city.strip(" ,") and state:
            yield city.strip(" ,"), state


def _state_abbr(text: str) -> str | None:
    """The postal abbreviation for a state's name or abbreviation (never a FIPS number)."""
    if not text or not text.replace(".", "").replace(" ", "").isalpha():
        return None
    state = us.states.lookup(text.replace(".", ""))
    return state.abbr if state else None


def _city_key(city: str) -> str:
    """A city name for comparison: capitals, no punctuation or spaces, St./Ft./Mt. spelt out."""
    words = re.sub(r"[^A-Z0-9]+", " ", city.upper()).split()
    return "".join(_ABBREVIATIONS.get(word, word) for word in words)


def _city_centroid(key: str, state: str) -> Place | None:
    """The place for a city key in a state: by main postal name, else by an accepted alias."""
    main, aliases = _city_index()
    found = main.get((key, state)) or aliases.get((key, state))
    if found is None:
        return None
    name, points = found
    lat = sum(point[0] for point in points) / len(points)
    lon = sum(point[1] for point in points) / len(points)
    return Place(lat, lon, f"{name}, {state}")


_CityIndex = dict[tuple[str, str], tuple[str, list[tuple[float, float]]]]


@cache
def _city_index() -> tuple[_CityIndex, _CityIndex]:
    """ZIP centroids by (city key, state): one index of main postal names, one of aliases."""
    main: _CityIndex = {}
    aliases: _CityIndex = {}
    for row in zipcodes.list_all():
        point = (float(row["lat"]), float(row["long"]))
        _add_point(main, row["city"], row["state"], point)
        for alias in row["acceptable_cities"]:
            _add_point(aliases, alias, row["state"], point)
    return main, aliases


def _add_point(index: _CityIndex, city: str, state: str, point: tuple[float, float]) -> None:
    """Record one ZIP centroid under a city's key, keeping the first spelling seen as its label."""
    entry = index.setdefault((_city_key(city), state), (city, []))
    entry[1].append(point)


@dataclass(frozen=True)
class Filters:
    """What a patient narrows a search to; None (or False) means any."""

    verdicts: frozenset[Verdict] | None = None
    modality: Modality | None = None
    condition: Condition | None = None
    support: bool = False


def search_clinics(
    session: Session,
    near: str | Place,
    radius_miles: float,
    filters: Filters | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    index: SpatialIndex | None = None,
    geocoder: Geocoder | None = None,
) -> SearchResults:
    """Clinics with a location within the radius of a place, nearest first, one hit per clinic.

    `index` is the spatial index to narrow candidates with (found out when not given); every
    index gives the same results, because the exact great-circle distance decides.
    """
    ranking = rank_clinics(
        session, near, radius_miles, filters, limit, offset, index=index, geocoder=geocoder
    )
    return results_of(session, ranking)


def results_of(session: Session, ranking: Ranking) -> SearchResults:
    """A ranked page with its clinics loaded, as a results page shows them."""
    hits = _load_hits(session, ranking.page)
    return SearchResults(ranking.place, ranking.radius_miles, hits, ranking.total)


def rank_clinics(
    session: Session,
    near: str | Place,
    radius_miles: float,
    filters: Filters | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    index: SpatialIndex | None = None,
    geocoder: Geocoder | None = None,
) -> Ranking:
    """The search `search_clinics` runs, as ids and distances only: one query, no listings read."""
    _check_bounds(radius_miles, limit, offset)
    place = near if isinstance(near, Place) else resolve_place(near, geocoder)
    connection = session.connection()
    index = index or detect_index(connection)
    box = _bounding_box(place, radius_miles)
    nearest = _nearest_locations(index, filters or Filters(), connection.dialect.name, len(box[1]))
    params = _parameters(place, radius_miles, box) | {"limit": limit, "offset": offset}
    rows = connection.execute(_page(nearest), params).all()
    if rows:
        total = rows[0].total
    elif offset == 0:
        total = 0  # an empty first page: nothing was found
    else:  # past the end no row carries the total, so count apart
        total = connection.execute(_count(nearest), params).scalar_one()
    page = [Ranked(row.clinic_id, row.location_id, row.distance) for row in rows]
    return Ranking(place, radius_miles, page, total)


def _check_bounds(radius_miles: float, limit: int, offset: int) -> None:
    """Refuse a radius, page size or offset outside what the search supports."""
    if not MIN_RADIUS_MILES <= radius_miles <= MAX_RADIUS_MILES:
        raise SearchInputError(
            "Choose a distance between %(min)d and %(max)d miles.",
            field="radius",
            min=MIN_RADIUS_MILES,
            max=MAX_RADIUS_MILES,
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise SearchInputError(
            "Ask for between 1 and %(max)d results.", field="limit", max=MAX_LIMIT
        )
    if offset < 0:
        raise SearchInputError("The offset cannot be negative.", field="offset")


@lru_cache(maxsize=256)
def _nearest_locations(
    index: SpatialIndex, filters: Filters, dialect: str, lon_ranges: int
) -> Subquery:
    """Each listing passing the filters with its location nearest the place, within the radius.

    The index narrows the locations first (a superset of the circle); the exact great-circle
    distance, computed by the database, then decides, so every index gives the same rows.
    The filters apply to the listings found, not before: started from the verdict index,
    SQLite would read most of the directory. The place, radius and box are parameters (see
    `_parameters`), so each kind of search is built, and compiled, once.
    """
    candidates = select(
        Location.clinic_id, Location.id.label("location_id"), _distance_miles().label("distance")
    ).where(_near(index, lon_ranges))
    # A fence (LIMIT -1 on SQLite, OFFSET 0 on PostgreSQL): inlined, the subquery would have
    # the database work the distance out once for each of its three uses below.
    measured = (
        candidates.limit(literal_column("-1"))
        if dialect == "sqlite"
        else candidates.offset(literal_column("0"))
    ).subquery("measured")
    located = (
        select(
            measured.c.clinic_id,
            measured.c.location_id,
            measured.c.distance,
            func.row_number()
            .over(
                partition_by=measured.c.clinic_id,
                order_by=(measured.c.distance, measured.c.location_id),
            )
            .label("nth"),
        )
        .where(measured.c.distance <= bindparam("radius", type_=Float))
        .subquery("located")
    )
    return (
        select(located.c.clinic_id, located.c.location_id, located.c.distance, Clinic.name)
        .join(Clinic, Clinic.id == located.c.clinic_id)
        .where(located.c.nth == 1, ~Clinic.removal.has(), *_admitted(filters, dialect))
        .subquery("nearest")
    )


def _parameters(place: Place, radius_miles: float, box: _Box) -> dict[str, float]:
    """The values of a search's parameters: the place, the radius and the bounding box."""
    (lat_min, lat_max), lon_ranges = box
    phi = radians(place.lat)
    params = {
        "lat": place.lat,
        "lon": place.lon,
        "phi": phi,
        "cos_phi": cos(phi),
        "radius": radius_miles,
        "lat_min": lat_min,
        "lat_max": lat_max,
    }
    for number, (low, high) in enumerate(lon_ranges):
        params |= {f"lon_min_{number}": low, f"lon_max_{number}": high}
    return params


@lru_cache(maxsize=256)
def _page(nearest: Subquery) -> Select[int, int, float, int]:
    """One page of the nearest listings, nearest first (ties by name), each with the total."""
    return (
        select(
            nearest.c.clinic_id,
            nearest.c.location_id,
            nearest.c.distance,
            func.count().over().label("total"),
        )
        .order_by(nearest.c.distance, func.lower(nearest.c.name), nearest.c.clinic_id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


@lru_cache(maxsize=256)
def _count(nearest: Subquery) -> Select[int]:
    """How many listings the search finds."""
    return select(func.count()).select_from(nearest)


def _distance_miles() -> ColumnElement[float]:
    """SQL for a location's great-circle distance in miles from the place (the haversine formula).

    Only arithmetic and sin, cos, asin and sqrt, which SQLite and PostgreSQL both have.
    """
    lat = Location.lat * _RADIANS
    sin_half_dphi = _sin((lat - _float("phi")) * 0.5)
    sin_half_dlambda = _sin((Location.lon - _float("lon")) * (_RADIANS / 2))
    h = (
        sin_half_dphi * sin_half_dphi
        + _float("cos_phi") * func.cos(lat, type_=Float) * sin_half_dlambda * sin_half_dlambda
    )
    return 2 * EARTH_RADIUS_MILES * func.asin(func.sqrt(h, type_=Float), type_=Float)


def _float(name: str) -> BindParameter[float]:
    """A search parameter that is a number."""
    return bindparam(name, type_=Float)


def _sin(angle: ColumnElement[Any]) -> ColumnElement[float]:
    """SQL sine."""
    return func.sin(angle, type_=Float)


def _near(index: SpatialIndex, lon_ranges: int) -> ColumnElement[bool]:
    """Locations the index puts near the place: a superset of the circle, never less."""
    if index is SpatialIndex.POSTGIS:
        return in_box_around(
            Location.lon, Location.lat, _float("lat"), _float("lon"), _float("radius")
        )
    lat_min, lat_max = _float("lat_min"), _float("lat_max")
    lons = [(_float(f"lon_min_{n}"), _float(f"lon_max_{n}")) for n in range(lon_ranges)]
    if index is SpatialIndex.RTREE:
        boxes = [
            select(rtree.c.id)
            .where(rtree.c.max_lat >= lat_min, rtree.c.min_lat <= lat_max)
            .where(rtree.c.max_lon >= low, rtree.c.min_lon <= high)
            for low, high in lons
        ]
        return Location.id.in_(boxes[0] if len(boxes) == 1 else union_all(*boxes))
    return or_(
        *(
            and_(Location.lat.between(lat_min, lat_max), Location.lon.between(low, high))
            for low, high in lons
        )
    )


def _admitted(filters: Filters, dialect: str) -> list[ColumnElement[bool]]:
    """SQL for the filters on a listing's verdict, treatments and conditions."""
    conditions: list[ColumnElement[bool]] = []
    if filters.verdicts is not None:
        conditions.append(Clinic.verdict.in_(sorted(filters.verdicts)))
    if filters.modality is not None:
        conditions.append(_has(Clinic.modalities, filters.modality, dialect))
    if filters.condition is not None:
        conditions.append(_has(Clinic.conditions, filters.condition, dialect))
    if filters.support:
        conditions.append(
            or_(*(_has(Clinic.modalities, word, dialect) for word in sorted(SUPPORT_MODALITIES)))
        )
    return conditions


def _has(words: InstrumentedAttribute[list[str]], word: str, dialect: str) -> ColumnElement[bool]:
    """SQL: the JSON list of words holds the word."""
    as_table = _JSON_ELEMENTS.get(dialect, func.json_each)
    elements = as_table(words).table_valued(column("value", String))
    return exists().where(elements.c.value == word)


def _bounding_box(place: Place, radius_miles: float) -> _Box:
    """The latitude range and longitude range(s) enclosing the circle; two when it crosses ±180°."""
    angle = radius_miles / EARTH_RADIUS_MILES
    dlat = degrees(angle) + _BOX_MARGIN_DEGREES
    lat_min, lat_max = place.lat - dlat, place.lat + dlat
    if lat_min <= -90 or lat_max >= 90:
        return (max(lat_min, -90.0), min(lat_max, 90.0)), [(-180.0, 180.0)]
    # A circle on a sphere is widest poleward of its centre; asin gives that true half-width.
    dlon = degrees(asin(sin(angle) / cos(radians(place.lat)))) + _BOX_MARGIN_DEGREES
    lon_min, lon_max = place.lon - dlon, place.lon + dlon
    if lon_min < -180:
        return (lat_min, lat_max), [(lon_min + 360, 180.0), (-180.0, lon_max)]
    if lon_max > 180:
        return (lat_min, lat_max), [(lon_min, 180.0), (-180.0, lon_max - 360)]
    return (lat_min, lat_max), [(lon_min, lon_max)]


def _load_hits(session: Session, page: list[Ranked]) -> list[Hit]:
    """The page's clinics with what a results page shows loaded (the rest loads when read)."""
    if not page:
        return []
    ids = [ranked.clinic_id for ranked in page]
    statement = select(Clinic).where(Clinic.id.in_(ids)).options(*_HIT_LOADS)
    clinics = {clinic.id: clinic for clinic in session.scalars(statement)}
    hits = []
    for ranked in page:
        clinic = clinics[ranked.clinic_id]
        location = next(loc for loc in clinic.locations if loc.id == ranked.location_id)
        hits.append(Hit(clinic, location, ranked.distance_miles))
    return hits


def get_clinic(session: Session, clinic_id: int) -> Clinic | None:
    """One clinic with its locations, clinicians, sources and verification history loaded."""
    return session.get(Clinic, clinic_id, options=_LISTING_LOADS)
