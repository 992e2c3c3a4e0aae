"""Spatial indexes: the R*Tree (SQLite) and PostGIS (PostgreSQL) give the plain scan's results."""

import os
import random

import pytest
from sqlalchemy import select, text

from directory.models import Location
from directory.search import Filters, search_clinics
from directory.spatial import SpatialIndex, detect_index
from directory.vocab import Verdict
from tests.clinic_factories import add_clinic, destination
from tests.conftest import ON_POSTGRES

CENTRES = {
    "78701": (30.2713, -97.7426),  # Austin
    "99546": (51.8549, -177.0888),  # Adak, by the antimeridian
    "80202": (39.7491, -104.9946),  # Denver
}


@pytest.fixture
def index(session):
    """The spatial index the test database has; PostGIS must be there in CI."""
    found = detect_index(session.connection())
    if ON_POSTGRES and found is not SpatialIndex.POSTGIS:
        if os.environ.get("CI"):
            pytest.fail("PostGIS is missing on the CI database (.ci/run installs it)")
        pytest.skip("the PostgreSQL server has no PostGIS")
    return found


def test_the_migrated_database_has_its_dialects_spatial_index(index):
    assert index is (SpatialIndex.POSTGIS if ON_POSTGRES else SpatialIndex.RTREE)


def test_index_and_plain_scan_give_identical_results(session, index):
    rng = random.Random(5)  # noqa: S311 - reproducible test data
    verdicts = list(Verdict)
    for number in range(300):
        centre = rng.choice(list(CENTRES.values()))
        points = [
            destination(*centre, rng.uniform(0, 360), rng.uniform(0, 260))
            for _ in range(rng.choice([1, 1, 2]))
        ]
        add_clinic(session, f"Clinic {number:03d}", points, rng.choice(verdicts))
    # points right on a radius, where rounding would show
    for miles in (5, 25, 100):
        add_clinic(session, f"Edge {miles}", [destination(*CENTRES["78701"], 45, miles)])
    session.flush()

    for zip_code in CENTRES:
        for radius in (5, 25, 100, 250):
            for filters in (Filters(), Filters(verdicts=frozenset({Verdict.VERIFIED}))):
                indexed = search_clinics(session, zip_code, radius, filters, 500, index=index)
                plain = search_clinics(
                    session, zip_code, radius, filters, 500, index=SpatialIndex.BOX
                )
                found = [(h.clinic.id, h.location.id, h.distance_miles) for h in indexed.hits]
                expected = [(h.clinic.id, h.location.id, h.distance_miles) for h in plain.hits]
                assert found == expected
                assert indexed.total == plain.total
    assert search_clinics(session, "78701", 250, index=index).total > 50  # not a vacuous test


def _plan(session, index):
    """The database's plan for a search's candidate query, as one string."""
    from directory.search import (
        Filters,
        _bounding_box,
        _nearest_locations,
        _page,
        _parameters,
        resolve_place,
    )

    place = resolve_place("78701")
    box = _bounding_box(place, 25)
    nearest = _nearest_locations(index, Filters(), session.get_bind().dialect.name, 1)
    statement = _page(nearest).params(_parameters(place, 25, box) | {"limit": 20, "offset": 0})
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if ON_POSTGRES:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        rows = session.execute(text(f"EXPLAIN {compiled}")).scalars()
    else:
        rows = (row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    return "\n".join(rows)


def test_search_candidates_come_from_the_spatial_index(session, index):
    add_clinic(session, "Somewhere", [CENTRES["78701"]])
    session.flush()

    plan = _plan(session, index)

    if ON_POSTGRES:
        assert "ix_locations_geography" in plan
    else:
        # the R*Tree searched by its coordinates (index 2), and the rest found by key
        assert "SCAN location_rtree VIRTUAL TABLE INDEX 2:" in plan
        assert "SCAN locations" not in plan
        assert "SCAN clinics" not in plan


@pytest.mark.skipif(ON_POSTGRES, reason="the R*Tree is SQLite's")
def test_rtree_follows_every_write_to_locations(session):
    clinic = add_clinic(session, "Moving", [CENTRES["78701"], (None, None)])
    session.flush()
    first, unplaced = clinic.locations

    def boxes():
        rows = session.execute(text("SELECT id, min_lat, min_lon FROM location_rtree"))
        return {row.id: (round(row.min_lat, 3), round(row.min_lon, 3)) for row in rows}

    assert boxes() == {first.id: (30.271, -97.743)}
    first.lat, first.lon = CENTRES["80202"]
    unplaced.lat, unplaced.lon = CENTRES["99546"]
    session.flush()
    assert boxes() == {first.id: (39.749, -104.995), unplaced.id: (51.855, -177.089)}
    session.delete(clinic)
    session.flush()
    assert boxes() == {}
    assert session.scalars(select(Location)).all() == []
