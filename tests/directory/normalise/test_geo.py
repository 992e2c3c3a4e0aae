"""Offline geography: state codes, ZIP and city centroids."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.normalise.geo import city_centroid, distance_km, state_code, zip_centroid

AUSTIN_78701 = (30.2713, -97.7426)


@pytest.mark.parametrize(
    ("text", "code"),
    [("Texas", "TX"), ("tx", "TX"), ("TX", "TX"), (" new  york ", "NY"), ("N.Y.", "NY")],
)
def test_state_code_reads_codes_and_names(text, code):
    assert state_code(text) == code


@pytest.mark.parametrize(
    ("text", "code"), [("District of Columbia", "DC"), ("Puerto Rico", "PR"), ("GU", "GU")]
)
def test_state_code_knows_dc_and_territories(text, code):
    assert state_code(text) == code


@pytest.mark.parametrize("text", [None, "", "XX", "Taxes", "48", "CORDOVA"])
def test_state_code_does_not_guess(text):
    assert state_code(text) is None


def test_zip_centroid_reads_the_gazetteer():
    assert zip_centroid("78701") == AUSTIN_78701


@pytest.mark.parametrize("postal_code", [None, "", "00000", "7870", "78701-1234", "abcde"])
def test_zip_centroid_needs_a_known_five_digit_code(postal_code):
    assert zip_centroid(postal_code) is None


def test_city_centroid_is_near_the_city():
    austin = city_centroid("Austin", "TX")
    assert austin is not None
    assert distance_km(austin, AUSTIN_78701) < 15


@pytest.mark.parametrize(
    ("spelling", "state"),
    [("St. Louis", "MO"), ("ST LOUIS", "Missouri"), ("saint louis", "mo"), ("St Louis", "MO")],
)
def test_city_centroid_matches_saint_however_it_is_spelled(spelling, state):
    assert city_centroid(spelling, state) == city_centroid("Saint Louis", "MO") is not None


def test_city_centroid_expands_fort_and_mount():
    assert city_centroid("Ft. Worth", "TX") == city_centroid("Fort Worth", "TX") is not None
    assert city_centroid("Mt. Vernon", "NY") == city_centroid("Mount Vernon", "NY") is not None


def test_city_centroid_falls_back_to_acceptable_city_names():
    # The gazetteer's preferred name is "Port Saint Lucie"; "Saint Lucie West" is only accepted.
    assert city_centroid("St. Lucie West", "FL") is not None


@pytest.mark.parametrize(("city", "state"), [("Austin", "ZZ"), ("Nowhere", "TX"), ("", "TX")])
def test_city_centroid_gives_none_for_unknown_places(city, state):
    assert city_centroid(city, state) is None


def test_distance_km_from_new_york_to_fargo():
    assert 1900 < distance_km((40.7128, -74.0060), (46.8772, -96.7898)) < 2000


@given(st.text(), st.text(max_size=20))
def test_geo_lookups_never_raise_and_stay_in_range(city, state):
    code = state_code(state)
    assert code is None or (len(code) == 2 and code.isupper())
    for point in (city_centroid(city, state), zip_centroid(city)):
        assert point is None or (-90 <= point[0] <= 90 and -180 <= point[1] <= 180)
