"""The search page: form, results nearest first, the verdict filter and clear 400s."""

import re

import pytest
from markupsafe import escape

from directory.search import resolve_place
from directory.vocab import VERDICT_EXPLANATIONS, Verdict
from tests.clinic_factories import add_clinic, destination, great_circle_miles
from tests.web.seed import DOWNTOWN, seed_austin


def listed_ids(html: str) -> list[int]:
    """The clinic ids of the results, in page order."""
    return [int(found) for found in re.findall(r'<h3><a href="/clinics/(\d+)">', html)]


def no_inline_script(html: str) -> bool:
    """Every script is a file of ours (the pages' security policy allows no inline script)."""
    scripts = re.findall(r"<script[^>]*>", html)
    handlers = re.findall(r"\son[a-z]+=", html)
    return (
        all(re.fullmatch(r'<script src="/static/[^"]+" defer>', s) for s in scripts)
        and not handlers
    )


def test_index_shows_an_accessible_search_form_and_no_results(client):
    response = client.get("/")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert '<form class="search-form" method="get" action="/"' in html
    assert '<label for="near">ZIP code or City, ST</label>' in html
    assert 'id="use-location" hidden' in html  # shown by the script only where it can work
    assert '<option value="25" selected>Within 25 miles</option>' in html
    assert [int(m) for m in re.findall(r'<option value="(\d+)"', html)] == [5, 10, 25, 50, 100, 250]
    assert re.search(r'value="verified" checked aria-describedby="[^"]+"> Verified only', html)
    assert re.search(r'value="all" aria-describedby="[^"]+"> All listings', html)
    assert "results-heading" not in html
    assert "GeoNames" in html
    assert "CC BY 4.0" in html
    assert no_inline_script(html)
    assert "/static/style.css" in html


def test_stylesheet_is_served_locally(client):
    response = client.get("/static/style.css")

    assert response.status_code == 200
    assert ":focus-visible" in response.get_data(as_text=True)
    response.close()


def test_search_by_zip_lists_verified_clinics_nearest_first(client, site_session):
    austin = seed_austin(site_session)

    html = client.get("/?near=78701").get_data(as_text=True)

    assert listed_ids(html) == [austin.near.id, austin.far.id]
    assert "2 clinics" in html
    assert "within 25 miles of 78701 (Austin, TX)" in html
    assert re.findall(r'class="distance">([^<]+)<', html) == ["1.5 mi", "12.0 mi"]
    assert "Showing verified listings only." in html


def test_search_all_listings_shows_every_verdict_with_its_reason(client, site_session):
    austin = seed_austin(site_session)

    html = client.get("/?near=78701&radius=25&status=all").get_data(as_text=True)

    assert listed_ids(html) == [
        austin.near.id,
        austin.problem.id,
        austin.unverified.id,
        austin.far.id,
    ]
    assert re.search(r'value="all" checked aria-describedby="[^"]+"> All listings', html)
    for verdict, label in [
        (Verdict.VERIFIED, "Verified"),
        (Verdict.LICENSE_PROBLEM, "Licence problem"),
        (Verdict.UNVERIFIED, "Unverified"),
    ]:
        assert f'<span class="badge badge-{verdict}">{label}</span>' in html
    # each badge has its one-line reason: the verification's first, else what the verdict means
    reasons = re.findall(r'<span class="explanation">([^<]+)</span>', html)
    assert reasons == [
        "Dana Congress, MD holds an active MD licence in TX.",
        "John Smith, CRNA is on the federal exclusion list.",
        str(escape(VERDICT_EXPLANATIONS[Verdict.UNVERIFIED])),
        "Dana Round, MD holds an active MD licence in TX.",
    ]


def test_search_radius_limits_the_results(client, site_session):
    austin = seed_austin(site_session)

    html = client.get("/?near=78701&radius=5&status=all").get_data(as_text=True)

    assert listed_ids(html) == [austin.near.id, austin.problem.id]
    assert '<option value="5" selected>' in html


def test_search_by_city_measures_from_the_city(client, site_session):
    centre = resolve_place("Austin, TX")
    east = add_clinic(site_session, "East Side", [destination(centre.lat, centre.lon, 90, 2)])
    west = add_clinic(site_session, "West Side", [destination(centre.lat, centre.lon, 270, 1)])
    site_session.commit()

    html = client.get("/?near=Austin%2C+TX&radius=10").get_data(as_text=True)

    assert listed_ids(html) == [west.id, east.id]
    assert "of Austin, TX" in html
    assert re.findall(r'class="distance">([^<]+)<', html) == ["1.0 mi", "2.0 mi"]


def test_search_result_shows_address_phone_website_and_services(client, site_session):
    austin = seed_austin(site_session)
    location = austin.near.locations[0]
    miles = great_circle_miles(*DOWNTOWN, location.lat, location.lon)

    html = client.get("/?near=78701&radius=5").get_data(as_text=True)

    assert f'<a href="/clinics/{austin.near.id}">Congress Avenue Ketamine</a>' in html
    assert f"{miles:.1f} mi" in html
    assert "100 Congress Ave<br>Austin, TX" in html
    assert '<a class="phone" href="tel:+15125550000">(512) 555-0000</a>' in html
    assert '<a href="https://congress.example/" rel="nofollow noopener">Website' in html
    assert "IV infusion, Ketamine-assisted psychotherapy" in html
    assert "Treatment-resistant depression, PTSD" in html


def test_search_escapes_listing_text_and_refuses_unsafe_links(client, site_session):
    add_clinic(
        site_session,
        "<script>alert(1)</script> Clinic",
        [DOWNTOWN],
        website="javascript:alert(1)",
    )
    site_session.commit()

    html = client.get("/?near=78701").get_data(as_text=True)

    assert "&lt;script&gt;alert(1)&lt;/script&gt; Clinic" in html
    assert "<script>alert" not in html
    assert no_inline_script(html)
    assert "javascript:" not in html


def test_search_with_no_matches_suggests_widening(client, site_session):
    seed_austin(site_session)

    response = client.get("/?near=10001")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "0 clinics" in html
    assert "Try a larger distance or show all listings." in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("near=00000", "We don&#39;t know the ZIP code 00000."),
        ("near=", "Enter a ZIP code or a city and state"),
        ("near=%21%40%23", "Enter a ZIP code, or a city and its state"),
        ("near=Atlantis%2C+TX", "We couldn&#39;t find Atlantis, TX."),
        ("near=78701&radius=1000", "Choose a distance between 5 and 250 miles."),
        ("near=78701&radius=ten", "Choose a distance between 5 and 250 miles."),
        ("near=78701&status=bogus", "Unknown status bogus"),
        ("near=78701&page=0", "Page numbers start at 1."),
        ("near=78701&page=two", "page must be a whole number."),
        ("near=" + "x" * 201, "That search is too long."),
    ],
)
def test_search_bad_input_is_a_400_page_with_a_clear_message(client, query, message):
    response = client.get(f"/?{query}")

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<p id="search-error" class="error" role="alert">{message}' in html
    assert '<label for="near">' in html
    assert "results-heading" not in html


def test_search_bad_place_marks_the_box_invalid(client):
    html = client.get("/?near=00000").get_data(as_text=True)

    assert 'value="00000"' in html
    assert 'aria-describedby="near-hint search-error" aria-invalid="true"' in html


def test_search_pages_through_many_results(client, site_session):
    clinics = [
        add_clinic(site_session, f"Clinic {i:02d}", [destination(*DOWNTOWN, 0, 0.5 + i / 10)])
        for i in range(25)
    ]
    site_session.commit()

    first = client.get("/?near=78701").get_data(as_text=True)
    second = client.get("/?near=78701&radius=25&status=verified&page=2").get_data(as_text=True)

    assert listed_ids(first) == [c.id for c in clinics[:20]]
    assert listed_ids(second) == [c.id for c in clinics[20:]]
    assert "25 clinics" in first
    assert "Page 1 of 2" in first
    assert 'rel="next" href="/?near=78701&amp;page=2"' in first
    assert 'rel="prev"' in second
    assert '<ol class="hits" start="21">' in second
