"""The site's defences: headers, cookies, templates without inline script, escaping of crawled
and reported text, SQL injection attempts, and rate limits shared through Redis."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.models import Clinic, Flag
from tests.clinic_factories import add_clinic, add_clinician, add_verification, license_evidence
from tests.web.helpers import add_account, csrf_token, sign_in
from tests.web.seed import CHECKED, DOWNTOWN, seed_austin
from web import create_app
from web.db import get_engine

TEMPLATES = Path(__file__).parents[2] / "web" / "templates"
PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_every_response_carries_the_security_headers(client, site_session):
    austin = seed_austin(site_session)
    for path in ("/", f"/clinics/{austin.near.id}", "/maintainers/login", "/nope", "/api/v1/x"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Frame-Options"] == "DENY"


def test_no_template_has_inline_script_or_event_handlers():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        scripts = list(re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, re.I | re.S))
        assert len(scripts) == text.lower().count("<script"), template
        for script in scripts:
            attributes, body = script.groups()
            assert " src=" in attributes, template  # script files only
            assert not body.strip(), template  # never inline
        assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), template
        assert "|safe" not in text.replace(" ", ""), template


def test_session_cookies_are_secure_httponly_and_samesite_by_default(
    fresh_database_url, site_engine, site_session
):
    add_account(site_session, "mo@example.org")
    app = create_app({"DATABASE_URL": fresh_database_url, "SECRET_KEY": "k"})
    client = app.test_client()
    try:
        assert sign_in(client, "mo@example.org") == 303
        cookie = client.get_cookie("session")
        assert cookie is not None
        assert cookie.secure
        assert cookie.http_only
        assert cookie.same_site == "Lax"
    finally:
        get_engine(app).dispose()


def test_crawled_text_is_escaped_on_every_page(client, site_session):
    clinic = add_clinic(site_session, f"Evil {PAYLOAD}", [DOWNTOWN], website="javascript:alert(1)")
    doctor = add_clinician(site_session, clinic, f"Dr {PAYLOAD}, MD", credentials=["MD"])
    add_verification(
        site_session, clinic, "verified", CHECKED, [f"reason {PAYLOAD}"], [license_evidence(doctor)]
    )
    site_session.commit()
    add_account(site_session, "mo@example.org")
    sign_in(client, "mo@example.org")

    pages = [
        "/?near=78701&radius=5",
        f"/clinics/{clinic.id}",
        f"/clinics/{clinic.id}/report",
        f"/maintainers/clinics/{clinic.id}",
        "/reports/advocates.csv",
    ]
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page, path
        assert "<img src=x" not in page, path
        assert 'href="javascript:' not in page, path
    assert "&lt;script&gt;" in client.get(f"/clinics/{clinic.id}").get_data(as_text=True)


def test_reported_text_is_escaped_where_maintainers_read_it(client, site_session):
    austin = seed_austin(site_session)
    token = csrf_token(client, f"/clinics/{austin.near.id}/report")
    fields = {
        "csrf_token": token,
        "reason": "other",
        "details": PAYLOAD,
        "evidence_url": 'https://board.example/"><script>alert(1)</script>',
        "contact_email": "advocate@example.org",
    }
    assert client.post(f"/clinics/{austin.near.id}/report", data=fields).status_code == 303
    refused = client.post(
        f"/clinics/{austin.far.id}/report",
        data=fields | {"contact_email": f"{PAYLOAD}@example.org", "reason": PAYLOAD},
    )
    assert refused.status_code == 400
    assert "<script>alert" not in refused.get_data(as_text=True)

    add_account(site_session, "mo@example.org")
    sign_in(client, "mo@example.org")
    for path in ("/maintainers/", f"/maintainers/clinics/{austin.near.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "<img src=x" not in page
    assert "&lt;script&gt;alert" in client.get(f"/maintainers/clinics/{austin.near.id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "near",
    [
        "78701' OR '1'='1",
        "78701; DROP TABLE clinics; --",
        "Austin', TX) UNION SELECT * FROM users--",
    ],
)
def test_sql_injection_in_search_is_refused_as_a_bad_place(client, site_session, near):
    seed_austin(site_session)

    page = client.get("/", query_string={"near": near, "status": "all"})
    api = client.get("/api/v1/clinics", query_string={"near": near})

    assert page.status_code == 400
    assert api.status_code == 400
    assert site_session.scalar(select(func.count()).select_from(Clinic)) == 5


def test_sql_injection_in_forms_is_stored_as_text_or_refused(client, site_session: Session):
    austin = seed_austin(site_session)
    attack = "x'); DROP TABLE flags; --"
    token = csrf_token(client, f"/clinics/{austin.near.id}/report")
    fields = {"csrf_token": token, "reason": "other", "details": attack}
    assert client.post(f"/clinics/{austin.near.id}/report", data=fields).status_code == 303
    add_account(site_session, "mo@example.org")

    assert sign_in(client, "' OR '1'='1", "' OR '1'='1") == 401
    assert sign_in(client, "mo@example.org' --", "anything") == 401

    site_session.expire_all()
    assert site_session.scalars(select(Flag.details)).all() == [attack]


def test_rate_limits_in_redis_are_shared_by_every_worker(
    fresh_database_url, site_engine, site_session, redis_database
):
    redis_database.empty()
    austin = seed_austin(site_session)
    config = {
        "DATABASE_URL": fresh_database_url,
        "SECRET_KEY": "k",
        "RATELIMIT_STORAGE_URI": redis_database.url,
        "FLAG_RATE_LIMIT": "1 per hour",
    }
    apps = []
    try:
        for clinic in (austin.near, austin.far):  # two workers, one after the other
            app = create_app(config)
            apps.append(app)
            client = app.test_client()
            token = csrf_token(client, f"/clinics/{clinic.id}/report")
            response = client.post(
                f"/clinics/{clinic.id}/report",
                data={"csrf_token": token, "reason": "clinic_closed"},
            )
            statuses = response.status_code
            if clinic is austin.near:
                assert statuses == 303
        assert statuses == 429  # the second worker saw the first one's count
        assert redis_database.client.keys("LIMITS*")
    finally:
        redis_database.empty()
        for app in apps:
            get_engine(app).dispose()
