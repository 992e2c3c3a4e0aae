"""Location search: places from ZIP codes and city names, and clinics within a radius."""

from collections.abc import Iterator
from contextlib import contextmanager
from statistics import fmean

import pytest
import zipcodes
from sqlalchemy import event

from directory.geocode import Geocoder
from directory.listings import listing_record, listing_records, newest_verification
from directory.search import (
    Filters,
    SearchInputError,
    get_clinic,
    place_at,
    rank_clinics,
    resolve_place,
    search_clinics,
)
from directory.spatial import detect_index
from directory.vocab import Condition, Modality, Verdict
from localweb import LocalWeb
from tests.clinic_factories import (
    RETRIEVED,
    add_clinic,
    add_clinician,
    add_source,
    add_verification,
    destination,
    great_circle_miles,
    license_evidence,
)

DOWNTOWN = (30.2713, -97.7426)  # ZIP 78701's centroid


def city_centroid(city: str, state: str, *other_spellings: str) -> tuple[float, float]:
    """The mean of a city's ZIP centroids under all its spellings, read from the gazetteer."""
    rows = [
        r for name in (city, *other_spellings) for r in zipcodes.filter_by(city=name, state=state)
    ]
    return fmean(float(r["lat"]) for r in rows), fmean(float(r["long"]) for r in rows)


def near(miles: float, bearing: float = 0.0, origin: tuple[float, float] = DOWNTOWN):
    """A point `miles` from the origin on a bearing."""
    return destination(*origin, bearing, miles)


def test_resolve_place_zip_is_the_zip_centroid():
    place = resolve_place("78701")
    assert (place.lat, place.lon) == DOWNTOWN
    assert place.label == "78701 (Austin, TX)"


def test_resolve_place_zip_plus_four_uses_the_zip():
    assert resolve_place(" 78701-1234 ") == resolve_place("78701")


@pytest.mark.parametrize("query", ["Austin, TX", "Austin TX", "austin, texas", "AUSTIN  Texas"])
def test_resolve_place_city_is_the_mean_of_its_zip_centroids(query):
    place = resolve_place(query)
    assert (place.lat, place.lon) == pytest.approx(city_centroid("Austin", "TX"), abs=1e-9)
    assert place.label == "Austin, TX"


@pytest.mark.parametrize(
    ("query", "city", "state", "other_spellings"),
    [
        ("St. Louis, MO", "Saint Louis", "MO", ()),
        ("st louis mo", "Saint Louis", "MO", ()),
        ("Ft. Worth, TX", "Fort Worth", "TX", ()),
        ("Mt Vernon, New York", "Mount Vernon", "NY", ()),
        ("Brooklyn New York", "Brooklyn", "NY", ()),
        ("Winston-Salem, NC", "Winston Salem", "NC", ("Winston-salem",)),
    ],
)
def test_resolve_place_normalises_city_and_state_spellings(query, city, state, other_spellings):
    place = resolve_place(query)
    expected = city_centroid(city, state, *other_spellings)
    assert (place.lat, place.lon) == pytest.approx(expected, abs=1e-9)
    assert place.label == f"{city}, {state}"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("", "Enter a ZIP code"),
        ("   ", "Enter a ZIP code"),
        ("00000", "don't know the ZIP code 00000"),
        ("1234", "five digits"),
        ("Atlantis, TX", "couldn't find Atlantis, TX"),
        ("Austin", "city and its state"),
        ("Austin, XX", "city and its state"),
        ("!!! ???", "city and its state"),
        ("<script>alert(1)</script>", "city and its state"),
        ("Austin, TX" + " " * 200, "too long"),
    ],
)
def test_resolve_place_refuses_what_it_cannot_place(query, words):
    with pytest.raises(SearchInputError, match=words) as caught:
        resolve_place(query)
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == "near"


def test_search_zip_orders_by_distance_with_exact_distances(session):
    far = add_clinic(session, "Far Clinic", [near(7.5, 200)])
    mid = add_clinic(session, "Mid Clinic", [near(3.2, 90)])
    close = add_clinic(session, "Close Clinic", [near(0.4, 315)])

    results = search_clinics(session, "78701", 25)

    assert [hit.clinic for hit in results.hits] == [close, mid, far]
    for hit in results.hits:
        expected = great_circle_miles(*DOWNTOWN, hit.location.lat, hit.location.lon)
        assert hit.distance_miles == pytest.approx(expected, rel=1e-9)
    assert [round(hit.distance_miles, 6) for hit in results.hits] == [0.4, 3.2, 7.5]
    assert results.total == 3
    assert results.radius_miles == 25
    assert results.place == resolve_place("78701")


def test_search_city_measures_from_the_city_centroid(session):
    centre = city_centroid("Austin", "TX")
    north = add_clinic(session, "North", [near(12, 0, centre)])
    west = add_clinic(session, "West", [near(5, 270, centre)])

    results = search_clinics(session, "Austin, TX", 25)

    assert [hit.clinic for hit in results.hits] == [west, north]
    assert [hit.distance_miles for hit in results.hits] == pytest.approx([5, 12], rel=1e-9)


@pytest.mark.parametrize("bearing", [0, 90, 180, 270])
def test_search_radius_keeps_points_just_inside_and_drops_just_outside(session, bearing):
    inside = add_clinic(session, "Inside", [near(9.99, bearing)])
    add_clinic(session, "Outside", [near(10.01, bearing)])

    results = search_clinics(session, "78701", 10)

    assert [hit.clinic for hit in results.hits] == [inside]


def test_search_radius_is_a_circle_not_a_box(session):
    add_clinic(session, "In the box's corner", [near(13, 45)])

    assert search_clinics(session, "78701", 10).hits == []
    assert len(search_clinics(session, "78701", 13.01).hits) == 1


def test_search_gives_one_hit_per_clinic_at_its_nearest_location(session):
    clinic = add_clinic(session, "Two Sites", [near(6, 0), near(2, 180), near(40, 90)])

    results = search_clinics(session, "78701", 25)

    assert results.total == 1
    [hit] = results.hits
    assert hit.clinic == clinic
    assert hit.location == clinic.locations[1]
    assert hit.distance_miles == pytest.approx(2, rel=1e-9)


def test_search_breaks_distance_ties_by_name(session):
    spot = near(1, 45)
    names = ["beta Clinic", "Alpha Clinic", "Gamma Clinic"]
    for name in names:
        add_clinic(session, name, [spot])

    results = search_clinics(session, "78701", 5)

    assert [hit.clinic.name for hit in results.hits] == sorted(names, key=str.casefold)


def test_search_filters_by_verdict(session):
    verified = add_clinic(session, "A Verified", [near(1)], Verdict.VERIFIED)
    problem = add_clinic(session, "B Problem", [near(2)], Verdict.LICENSE_PROBLEM)
    unverified = add_clinic(session, "C Unverified", [near(3)], Verdict.UNVERIFIED)

    def found(verdicts):
        filters = Filters(verdicts=None if verdicts is None else frozenset(verdicts))
        return [hit.clinic for hit in search_clinics(session, "78701", 25, filters).hits]

    assert found(None) == [verified, problem, unverified]
    assert found({Verdict.VERIFIED}) == [verified]
    assert found([Verdict.LICENSE_PROBLEM, Verdict.UNVERIFIED]) == [problem, unverified]
    assert found({Verdict.OUT_OF_STATE}) == []


def test_search_ignores_locations_without_coordinates(session):
    add_clinic(session, "Ungeocoded", [(None, None)])
    located = add_clinic(session, "Geocoded", [(None, None), near(1)])

    results = search_clinics(session, "78701", 25)

    assert [hit.clinic for hit in results.hits] == [located]
    assert results.hits[0].location == located.locations[1]


def test_search_crosses_the_antimeridian(session):
    adak = (51.8549, -177.0888)  # ZIP 99546, in the Aleutians
    across = add_clinic(session, "Across the date line", [near(200, 270, adak)])
    nearer = add_clinic(session, "Nearer", [near(50, 90, adak)])
    assert across.locations[0].lon > 0

    results = search_clinics(session, "99546", 250)

    assert [hit.clinic for hit in results.hits] == [nearer, across]
    assert [hit.distance_miles for hit in results.hits] == pytest.approx([50, 200], rel=1e-9)


def test_search_pages_and_counts_the_total(session):
    clinics = [add_clinic(session, f"Clinic {i}", [near(i + 1)]) for i in range(5)]

    first = search_clinics(session, "78701", 25, limit=2)
    last = search_clinics(session, "78701", 25, limit=2, offset=4)
    beyond = search_clinics(session, "78701", 25, limit=2, offset=10)

    assert [hit.clinic for hit in first.hits] == clinics[:2]
    assert [hit.clinic for hit in last.hits] == clinics[4:]
    assert beyond.hits == []
    assert first.total == last.total == beyond.total == 5


@pytest.mark.parametrize("radius", [0, 4.99, 250.01, 1000, float("nan"), float("inf")])
def test_search_refuses_a_radius_out_of_range(session, radius):
    with pytest.raises(SearchInputError, match="between 5 and 250 miles") as caught:
        search_clinics(session, "78701", radius)
    assert caught.value.field == "radius"


@pytest.mark.parametrize("radius", [5, 250])
def test_search_accepts_the_radius_limits(session, radius):
    assert search_clinics(session, "78701", radius).total == 0


@pytest.mark.parametrize(("limit", "offset", "field"), [(0, 0, "limit"), (10, -1, "offset")])
def test_search_refuses_bad_paging(session, limit, offset, field):
    with pytest.raises(SearchInputError) as caught:
        search_clinics(session, "78701", 25, limit=limit, offset=offset)
    assert caught.value.field == field


def _full_clinic(session, name, point):
    """A clinic with everything a listing shows: clinicians, a source and a verification."""
    clinic = add_clinic(session, name, [point, near(30)])
    clinician = add_clinician(session, clinic, f"{name} Doe, MD")
    add_source(session, clinic, "name", "clinic-sites", f"http://example.test/{clinic.id}")
    add_verification(
        session, clinic, Verdict.VERIFIED, RETRIEVED, ["ok"], [license_evidence(clinician)]
    )
    return clinic


def _full_clinics_nearby(session, count):
    """`count` full clinics, 1, 2, ... miles north of downtown, the session emptied so that a
    search reads them afresh; returns the spatial index to search them by."""
    for i in range(count):
        _full_clinic(session, f"Clinic {i}", near(i + 1))
    session.expunge_all()
    return detect_index(session.connection())


@contextmanager
def recorded_statements(connection) -> Iterator[list[str]]:
    """The SQL statements the connection runs inside the block, in order."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


@pytest.mark.parametrize("count", [2, 8])
def test_search_loads_what_a_results_page_shows_in_a_fixed_number_of_queries(session, count):
    index = _full_clinics_nearby(session, count)
    with recorded_statements(session.connection()) as statements:
        results = search_clinics(session, "78701", 25, index=index)
        shown = [
            (hit.clinic.name, hit.location.street, newest_verification(hit.clinic).reasons)
            for hit in results.hits
        ]

    assert len(shown) == count
    assert all(reasons == ["ok"] for _, _, reasons in shown)
    assert len(statements) == 4  # the ranked page, the clinics, their locations, verifications


@pytest.mark.parametrize(("offset", "queries"), [(0, 1), (10, 2)])
def test_search_counts_apart_only_past_the_end(session, offset, queries):
    add_clinic(session, "Far away", [near(200)])  # outside the radius: nothing is found
    index = detect_index(session.connection())
    with recorded_statements(session.connection()) as statements:
        ranking = rank_clinics(session, "78701", 25, offset=offset, index=index)

    assert (ranking.page, ranking.total) == ([], 0)
    assert len(statements) == queries  # the page, then the count only when it was not page 1


@pytest.mark.parametrize("count", [2, 8])
def test_search_reads_a_page_of_records_in_three_queries(session, count):
    index = _full_clinics_nearby(session, count)
    with recorded_statements(session.connection()) as statements:
        ranking = rank_clinics(session, "78701", 25, index=index)
        records = listing_records(session, [ranked.clinic_id for ranked in ranking.page])

    assert ranking.total == count
    assert records == {
        ranked.clinic_id: listing_record(get_clinic(session, ranked.clinic_id))
        for ranked in ranking.page
    }
    assert len(statements) == 3  # the ranked page, then the locations, then the clinics


def test_get_clinic_loads_the_whole_listing(session):
    clinic_id = _full_clinic(session, "Whole", near(1)).id
    session.expunge_all()

    clinic = get_clinic(session, clinic_id)

    assert clinic is not None
    loaded = clinic.__dict__
    assert {"locations", "clinicians", "field_sources", "verifications"} <= loaded.keys()
    assert len(clinic.locations) == 2


def test_get_clinic_returns_none_for_an_unknown_id(session):
    assert get_clinic(session, 987654) is None


def test_search_filters_by_treatment_condition_and_support(session):
    iv = add_clinic(session, "A IV", [near(1)], modalities=["iv_infusion"], conditions=["ptsd"])
    kap = add_clinic(
        session,
        "B KAP",
        [near(2)],
        modalities=["ketamine_assisted_psychotherapy", "intramuscular"],
        conditions=["depression", "anxiety"],
    )
    bare = add_clinic(session, "C Bare", [near(3)])

    def found(**filters):
        return [hit.clinic for hit in search_clinics(session, "78701", 25, Filters(**filters)).hits]

    assert found() == [iv, kap, bare]
    assert found(modality=Modality.IV_INFUSION) == [iv]
    assert found(modality=Modality.INTRAMUSCULAR) == [kap]
    assert found(condition=Condition.ANXIETY) == [kap]
    assert found(condition=Condition.PTSD, modality=Modality.IV_INFUSION) == [iv]
    assert found(condition=Condition.PTSD, modality=Modality.INTRAMUSCULAR) == []
    assert found(support=True) == [kap]
    assert search_clinics(session, "78701", 25, Filters(support=True)).total == 1


@pytest.fixture(scope="module")
def geocoder():
    """The local web's Census-format geocoder."""
    with LocalWeb() as web:
        yield Geocoder(web.urls["geocoder"] + "geocoder/locations/onelineaddress")


def test_resolve_place_street_address_through_the_geocoder(geocoder):
    place = resolve_place("1100 Congress Avenue, Austin, TX 78701", geocoder)

    assert (place.lat, place.lon) == (30.27466, -97.74035)
    assert place.label == "1100 CONGRESS AVE, AUSTIN, TX, 78701"
    assert not place.approximate


def test_resolve_place_unknown_address_falls_back_to_its_zip_centre(geocoder):
    place = resolve_place("77 Nowhere Lane, Austin, TX 78701", geocoder)

    assert (place.lat, place.lon) == DOWNTOWN
    assert place.approximate


def test_resolve_place_address_falls_back_when_the_geocoder_is_down():
    unreachable = Geocoder("http://127.0.0.1:9/geocoder", timeout_seconds=1)

    place = resolve_place("1100 Congress Ave, Austin, TX 78701", unreachable)

    assert ((place.lat, place.lon), place.approximate) == (DOWNTOWN, True)


def test_resolve_place_unplaceable_address_says_what_to_add(geocoder):
    with pytest.raises(SearchInputError, match="Add its ZIP code"):
        resolve_place("77 Nowhere Lane, Austin", geocoder)


@pytest.mark.parametrize(("lat", "lon"), [(91, 0), (0, -181), (-90.5, 10)])
def test_place_at_refuses_points_off_the_globe(lat, lon):
    with pytest.raises(SearchInputError, match="not on the map"):
        place_at(lat, lon)


def test_search_from_a_point_measures_from_it(session):
    clinic = add_clinic(session, "Point", [near(3, 90)])

    results = search_clinics(session, place_at(*DOWNTOWN), 5)

    assert [hit.clinic for hit in results.hits] == [clinic]
    assert results.place.label == "your location"
