"""Advocates report a listing: the form, its validation, duplicates, the honeypot and limits."""

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Flag
from tests.web.helpers import csrf_token
from tests.web.seed import seed_austin

VALID = {
    "reason": "no_prescriber",
    "details": "The team page names a wellness coach and nobody else.",
    "evidence_url": "https://clinic.example/team",
    "contact_email": "advocate@example.org",
}


def report(client: FlaskClient, clinic_id: int, **fields: str):
    """Post the report form with a fresh token and the given fields."""
    token = csrf_token(client, f"/clinics/{clinic_id}/report")
    return client.post(f"/clinics/{clinic_id}/report", data={"csrf_token": token, **fields})


def stored_flags(session: Session) -> list[Flag]:
    session.expire_all()
    return list(session.scalars(select(Flag).order_by(Flag.id)))


def test_every_clinic_page_links_to_the_report_form(client, site_session):
    austin = seed_austin(site_session)
    page = client.get(f"/clinics/{austin.near.id}").get_data(as_text=True)
    assert f'href="/clinics/{austin.near.id}/report">Report a problem with this listing</a>' in page


def test_a_report_is_stored_and_the_listing_shows_under_review(client, site_session):
    austin = seed_austin(site_session)

    response = report(client, austin.near.id, **VALID)

    assert response.status_code == 303
    assert response.headers["Location"] == f"/clinics/{austin.near.id}/report/sent"
    [flag] = stored_flags(site_session)
    assert (flag.clinic_id, flag.reason, flag.status) == (austin.near.id, "no_prescriber", "open")
    assert flag.details == VALID["details"]
    assert flag.evidence_url == VALID["evidence_url"]
    assert flag.contact_email == VALID["contact_email"]
    page = client.get(f"/clinics/{austin.near.id}").get_data(as_text=True)
    assert "Under review." in page
    # a flag never hides a listing by itself
    search = client.get("/?near=78701&radius=5").get_data(as_text=True)
    assert austin.near.name in search


def test_the_reporter_s_address_is_kept_only_as_a_keyed_hash(client, site_session):
    austin = seed_austin(site_session)
    report(client, austin.near.id, **VALID)
    [flag] = stored_flags(site_session)

    assert re.fullmatch(r"[0-9a-f]{64}", flag.reporter_hash)
    row = {column.key: getattr(flag, column.key) for column in Flag.__table__.columns}
    assert not any("127.0.0.1" in str(value) for value in row.values())


def test_optional_fields_may_be_left_empty(client, site_session):
    austin = seed_austin(site_session)
    response = report(client, austin.near.id, reason="clinic_closed", details="")
    assert response.status_code == 303
    [flag] = stored_flags(site_session)
    assert (flag.details, flag.evidence_url, flag.contact_email) == ("", None, None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": ""}, "Choose what is wrong with this listing."),
        ({"reason": "made_up"}, "Not a valid choice"),
        ({"details": "x" * 5001}, "Keep the details under 5000 characters"),
        ({"evidence_url": "javascript:alert(1)"}, "starting with http:// or https://"),
        ({"evidence_url": "ftp://board.example/x"}, "starting with http:// or https://"),
        ({"evidence_url": "https://" + "a" * 1000 + ".example"}, "at most 1000 characters"),
        ({"contact_email": "not an email"}, "Enter an email address like name@example.org"),
        ({"reason": "other", "details": "  "}, "Tell us what is wrong"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(
    client, site_session, fields, message
):
    austin = seed_austin(site_session)

    response = report(client, austin.near.id, **(VALID | fields))

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "nothing was saved yet" in page
    assert stored_flags(site_session) == []
    if "details" not in fields:  # what was valid is still in the form
        assert VALID["details"] in page


def test_a_second_report_from_the_same_client_is_refused_while_open(client, site_session):
    austin = seed_austin(site_session)
    assert report(client, austin.near.id, **VALID).status_code == 303

    again = report(client, austin.near.id, **(VALID | {"details": "And more."}))

    assert again.status_code == 409
    assert "already reported a problem with this listing" in again.get_data(as_text=True)
    assert "And more." in again.get_data(as_text=True)  # nothing typed is lost
    assert len(stored_flags(site_session)) == 1
    assert report(client, austin.far.id, **VALID).status_code == 303  # other listings are fine


def test_the_honeypot_looks_like_success_but_stores_nothing(client, site_session):
    austin = seed_austin(site_session)
    response = report(client, austin.near.id, **VALID, website="http://spam.example")
    assert response.status_code == 303
    assert stored_flags(site_session) == []


def test_reports_are_rate_limited_per_client(app, client, site_session):
    app.config["FLAG_RATE_LIMIT"] = "2 per hour"
    austin = seed_austin(site_session)
    assert report(client, austin.near.id, **VALID).status_code == 303
    assert report(client, austin.far.id, **VALID).status_code == 303

    third = report(client, austin.problem.id, **VALID)

    assert third.status_code == 429
    assert "several reports in a short time" in third.get_data(as_text=True)
    assert len(stored_flags(site_session)) == 2


def test_a_report_without_a_valid_csrf_token_is_refused(client, site_session):
    austin = seed_austin(site_session)
    path = f"/clinics/{austin.near.id}/report"
    client.get(path)  # the session exists, but the token is not sent, or is wrong

    missing = client.post(path, data=VALID)
    forged = client.post(path, data={**VALID, "csrf_token": "forged"})

    for response in (missing, forged):
        assert response.status_code == 400
        assert "did not come from this site, so nothing was saved" in response.get_data(
            as_text=True
        )
    assert stored_flags(site_session) == []


def test_a_token_from_another_session_is_refused(app, client, site_session):
    austin = seed_austin(site_session)
    token = csrf_token(client, f"/clinics/{austin.near.id}/report")

    other = app.test_client()
    response = other.post(f"/clinics/{austin.near.id}/report", data={**VALID, "csrf_token": token})

    assert response.status_code == 400
    assert stored_flags(site_session) == []


def test_unknown_listings_cannot_be_reported(client):
    assert client.get("/clinics/999/report").status_code == 404
