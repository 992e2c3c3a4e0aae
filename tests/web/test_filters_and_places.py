"""The search page's filters, places and bad input: all in the URL, never a 500 or raw echo."""

import re

import pytest

from tests.clinic_factories import add_clinic, destination
from tests.web.seed import DOWNTOWN, seed_austin
from tests.web.test_search import listed_ids


def test_filters_narrow_the_results_and_stay_selected(client, site_session):
    iv = add_clinic(
        site_session,
        "IV Only",
        [destination(*DOWNTOWN, 0, 1)],
        modalities=["iv_infusion"],
        conditions=["migraine"],
    )
    add_clinic(
        site_session,
        "Talk Too",
        [destination(*DOWNTOWN, 0, 2)],
        modalities=["ketamine_assisted_psychotherapy"],
        conditions=["ptsd"],
    )
    site_session.commit()

    html = client.get("/?near=78701&modality=iv_infusion&condition=migraine").get_data(as_text=True)

    assert listed_ids(html) == [iv.id]
    assert '<option value="iv_infusion" selected>IV infusion</option>' in html
    assert '<option value="migraine" selected>Migraine</option>' in html


def test_support_filter_keeps_clinics_with_psychotherapy(client, site_session):
    austin = seed_austin(site_session)
    add_clinic(site_session, "No Talk", [destination(*DOWNTOWN, 0, 1)])
    site_session.commit()

    html = client.get("/?near=78701&support=1").get_data(as_text=True)

    assert listed_ids(html) == [austin.near.id, austin.far.id]
    assert 'name="support" value="1" checked' in html


def test_paging_and_the_show_all_switch_keep_every_filter(client, site_session):
    for i in range(21):
        add_clinic(
            site_session,
            f"Clinic {i:02d}",
            [destination(*DOWNTOWN, 0, 0.5 + i / 10)],
            modalities=["iv_infusion"],
        )
    site_session.commit()

    html = client.get("/?near=78701&radius=10&modality=iv_infusion").get_data(as_text=True)

    assert (
        'rel="next" href="/?near=78701&amp;radius=10&amp;modality=iv_infusion&amp;page=2"' in html
    )
    assert 'href="/?near=78701&amp;radius=10&amp;modality=iv_infusion&amp;status=all">' in html


def test_street_address_is_found_through_the_geocoder(client, site_session):
    austin = seed_austin(site_session)

    html = client.get("/?near=1100+Congress+Ave%2C+Austin%2C+TX+78701").get_data(as_text=True)

    assert "within 25 miles of 1100 CONGRESS AVE, AUSTIN, TX, 78701" in html
    assert listed_ids(html) == [austin.near.id, austin.far.id]
    assert "centre of its ZIP code" not in html


def test_unknown_street_address_falls_back_to_its_zip_and_says_so(client, site_session):
    seed_austin(site_session)

    html = client.get("/?near=9+Nowhere+Lane%2C+Austin%2C+TX+78701").get_data(as_text=True)

    assert "within 25 miles of 78701 (Austin, TX)" in html
    assert "distances are measured from the centre of its ZIP code" in html


def test_browser_location_searches_from_the_point(client, site_session):
    austin = seed_austin(site_session)
    lat, lon = DOWNTOWN

    html = client.get(f"/?lat={lat}&lon={lon}&radius=5").get_data(as_text=True)

    assert listed_ids(html) == [austin.near.id]
    assert "within 5 miles of your location" in html


def test_the_map_is_fed_from_the_list_and_hidden_without_script(client, site_session):
    seed_austin(site_session)

    html = client.get("/?near=78701").get_data(as_text=True)

    assert '<div id="map" class="map" hidden role="region"' in html
    assert 'data-tiles="http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"' in html
    assert len(re.findall(r'<li class="hit" data-lat="[-\d.]+" data-lon="[-\d.]+"', html)) == 2
    assert '<script src="/static/leaflet/1.9.3/leaflet.js" defer></script>' in html


def test_leaflet_is_served_by_the_app(client):
    for name in ("leaflet.js", "leaflet.css", "images/marker-icon.png"):
        response = client.get(f"/static/leaflet/1.9.3/{name}")
        assert response.status_code == 200
        response.close()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("near=78701&radius=4", "Choose a distance between 5 and 250 miles."),
        ("near=78701&radius=nan", "Choose a distance between 5 and 250 miles."),
        ("near=78701&radius=1e999", "Choose a distance between 5 and 250 miles."),
        ("near=78701&modality=laughing+gas", "Unknown modality laughing gas"),
        ("near=78701&condition=%3Cb%3Ebold%3C%2Fb%3E", "Unknown condition &lt;b&gt;bold&lt;/b&gt;"),
        ("lat=95&lon=0", "That location is not on the map."),
        ("lat=north&lon=0", "That location is not on the map."),
        ("lat=30", "That location is not on the map."),
        ("near=9+Nowhere+Lane", "We couldn&#39;t find that address."),
        ("near=%27%3B+DROP+TABLE+clinics%3B+--", "Enter a ZIP code, or a city and its state"),
        ("near=78701&page=" + "9" * 300, "page must be a whole number."),
        ("near=78701&page=3", "The results end at page 1."),
        ("near=78701&status=" + "x" * 300, "Unknown status " + "x" * 39 + "…"),
    ],
)
def test_bad_input_is_a_clear_400_never_a_raw_echo(client, query, message):
    response = client.get(f"/?{query}")

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<p id="search-error" class="error" role="alert">{message}' in html
    assert "<b>bold" not in html


def test_the_database_survives_an_injection_attempt(client, site_session):
    austin = seed_austin(site_session)
    client.get("/?near=78701&status=verified%27%29%3B+DELETE+FROM+clinics%3B+--")

    assert listed_ids(client.get("/?near=78701").get_data(as_text=True)) == [
        austin.near.id,
        austin.far.id,
    ]
