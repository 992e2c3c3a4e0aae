"""JSON API v1: listing records near a place, one listing by id, and JSON errors."""

import json
import re

import pytest

from directory.listings import listing_record
from directory.search import get_clinic
from tests.clinic_factories import great_circle_miles
from tests.web.seed import DOWNTOWN, seed_austin


def expected_result(session, clinic):
    """The listing record of a clinic as stored, with its distance from downtown."""
    stored = get_clinic(session, clinic.id)
    location = stored.locations[0]
    miles = great_circle_miles(*DOWNTOWN, location.lat, location.lon)
    return listing_record(stored) | {"distance_miles": round(miles, 2)}


def test_api_search_returns_listing_records_nearest_first(client, site_session):
    austin = seed_austin(site_session)
    site_session.expunge_all()

    response = client.get("/api/v1/clinics?near=78701&radius=25")

    assert response.status_code == 200
    assert response.get_json() == {
        "query": {
            "near": "78701",
            "place": {
                "label": "78701 (Austin, TX)",
                "lat": DOWNTOWN[0],
                "lon": DOWNTOWN[1],
                "approximate": False,
            },
            "radius_miles": 25.0,
            "status": ["verified"],
            "modality": None,
            "condition": None,
            "support": False,
            "limit": 50,
            "offset": 0,
        },
        "total": 2,
        "results": [
            expected_result(site_session, austin.near),
            expected_result(site_session, austin.far),
        ],
    }


@pytest.mark.parametrize(
    ("status", "roles"),
    [
        (None, ["near", "far"]),
        ("verified", ["near", "far"]),
        ("all", ["near", "problem", "unverified", "far"]),
        ("license_problem,unverified", ["problem", "unverified"]),
        (" Unverified , license_problem ", ["problem", "unverified"]),
        ("out_of_state", []),
    ],
)
def test_api_search_filters_by_status(client, site_session, status, roles):
    austin = seed_austin(site_session)
    query = "/api/v1/clinics?near=78701" + (f"&status={status}" if status is not None else "")

    body = client.get(query).get_json()

    assert [result["id"] for result in body["results"]] == [getattr(austin, r).id for r in roles]
    assert body["total"] == len(roles)


def test_api_search_echoes_every_status_for_all(client):
    body = client.get("/api/v1/clinics?near=78701&status=all").get_json()

    assert body["query"]["status"] == ["license_problem", "out_of_state", "unverified", "verified"]


def test_api_search_pages_with_limit_and_offset(client, site_session):
    austin = seed_austin(site_session)

    body = client.get("/api/v1/clinics?near=78701&status=all&limit=2&offset=1").get_json()

    assert [result["id"] for result in body["results"]] == [austin.problem.id, austin.unverified.id]
    assert body["total"] == 4
    assert (body["query"]["limit"], body["query"]["offset"]) == (2, 1)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("", "near", "Enter a ZIP code or a city and state"),
        ("near=00000", "near", "We don't know the ZIP code 00000."),
        ("near=Atlantis,TX", "near", "We couldn't find Atlantis, TX."),
        ("near=78701&radius=0", "radius", "Choose a distance between 5 and 250 miles."),
        ("near=78701&radius=251", "radius", "Choose a distance between 5 and 250 miles."),
        ("near=78701&radius=far", "radius", "Choose a distance between 5 and 250 miles."),
        ("near=78701&status=licensed", "status", "Unknown status licensed"),
        ("near=78701&limit=0", "limit", "Ask for between 1 and 500 results."),
        ("near=78701&limit=lots", "limit", "limit must be a whole number."),
        ("near=78701&offset=-1", "offset", "The offset cannot be negative."),
    ],
)
def test_api_bad_input_is_a_400_with_message_and_field(client, query, field, message):
    response = client.get(f"/api/v1/clinics?{query}")

    assert response.status_code == 400
    assert response.is_json
    error = response.get_json()["error"]
    assert error["field"] == field
    assert error["message"].startswith(message)


def test_api_clinic_is_its_listing_record(client, site_session):
    austin = seed_austin(site_session)
    site_session.expunge_all()

    response = client.get(f"/api/v1/clinics/{austin.problem.id}")

    assert response.status_code == 200
    assert response.get_json() == listing_record(get_clinic(site_session, austin.problem.id))
    assert response.get_json()["clinicians"][0]["excluded"] is True


def test_api_unknown_clinic_is_a_json_404(client):
    response = client.get("/api/v1/clinics/424242")

    assert response.status_code == 404
    assert response.get_json() == {
        "error": {"message": "There is no clinic with id 424242.", "field": None}
    }


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/nothing-here", 404),
        ("post", "/api/v1/clinics", 405),
        ("get", "/api/v1/clinics/9223372036854775808", 404),  # past any row id: found by fuzzing
        ("get", "/api/v1/clinics/2147483648", 404),
    ],
)
def test_api_routing_errors_are_json(client, method, path, status):
    response = getattr(client, method)(path)

    assert response.status_code == status
    assert response.is_json
    assert response.get_json()["error"]["message"]


def test_api_search_takes_the_pages_filters(client, site_session):
    austin = seed_austin(site_session)

    body = client.get(
        "/api/v1/clinics?near=78701&status=all&modality=iv_infusion&condition=ptsd&support=yes"
    ).get_json()

    assert [result["id"] for result in body["results"]] == [austin.near.id, austin.far.id]
    assert body["query"]["modality"] == "iv_infusion"
    assert body["query"]["condition"] == "ptsd"
    assert body["query"]["support"] is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("near=78701&modality=magic", "modality"),
        ("near=78701&condition=%3Cscript%3E", "condition"),
        ("lat=100&lon=0", "near"),
        ("near=78701&radius=" + "1" * 300, "radius"),
        ("near=78701&support=maybe", "support"),
    ],
)
def test_api_bad_filters_are_400s_naming_the_field(client, query, field):
    response = client.get(f"/api/v1/clinics?{query}")

    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field
    assert "<script>" not in response.get_data(as_text=True)


def test_api_reads_are_cacheable_conditional_and_open_to_any_origin(client, site_session):
    austin = seed_austin(site_session)

    for path in ("/api/v1/clinics?near=78701", f"/api/v1/clinics/{austin.near.id}"):
        first = client.get(path, headers={"Origin": "https://elsewhere.example"})
        assert first.status_code == 200
        assert first.headers["Access-Control-Allow-Origin"] == "*"
        assert "max-age=300" in first.headers["Cache-Control"]
        assert "public" in first.headers["Cache-Control"]
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert again.get_data() == b""


def test_api_errors_are_not_cached(client):
    response = client.get("/api/v1/clinics?near=00000")

    assert response.status_code == 400
    assert "ETag" not in response.headers
    assert "max-age" not in response.headers.get("Cache-Control", "")


def test_openapi_document_describes_both_reads_and_their_filters(client):
    document = client.get("/api/v1/openapi.json").get_json()

    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/api/v1/clinics", "/api/v1/clinics/{id}"}
    names = {p["name"] for p in document["paths"]["/api/v1/clinics"]["get"]["parameters"]}
    assert names >= {"near", "lat", "lon", "radius", "status", "modality", "condition", "support"}
    radius = next(
        p
        for p in document["paths"]["/api/v1/clinics"]["get"]["parameters"]
        if p["name"] == "radius"
    )
    assert (radius["schema"]["minimum"], radius["schema"]["maximum"]) == (5, 250)
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(document))
    assert set(refs) <= set(document["components"]["schemas"])
