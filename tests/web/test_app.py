"""The application factory: configuration, the schema check, and error pages for failures."""

import logging

import pytest
from sqlalchemy.orm import Session

from directory.db import SchemaBehindError
from directory.vocab import Condition, Modality, Verdict
from web import create_app, filters
from web.db import get_engine, get_session


def test_app_refuses_to_start_on_an_unmigrated_database(fresh_database_url):
    with pytest.raises(SchemaBehindError, match="Run `clinics db upgrade` first"):
        create_app({"TESTING": True, "DATABASE_URL": fresh_database_url})


def test_app_reads_the_database_and_secret_from_the_environment(
    monkeypatch, fresh_database_url, site_engine
):
    marker = "from-the-environment"
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("SECRET_KEY", marker)

    app = create_app()

    assert app.config["DATABASE_URL"] == fresh_database_url
    assert app.secret_key == marker
    assert app.testing is False
    get_engine(app).dispose()


def test_app_without_a_secret_key_makes_one_and_warns(
    monkeypatch, caplog, fresh_database_url, site_engine
):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"TESTING": True, "DATABASE_URL": fresh_database_url}

    with caplog.at_level(logging.WARNING):
        first, second = create_app(config), create_app(config)

    assert first.secret_key
    assert first.secret_key != second.secret_key
    assert "SECRET_KEY is not set" in caplog.text
    get_engine(first).dispose()
    get_engine(second).dispose()


def test_each_request_gets_its_own_session_closed_afterwards(app):
    with app.test_request_context():
        session = get_session()
        assert isinstance(session, Session)
        assert get_session() is session
    with app.test_request_context():
        assert get_session() is not session


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/?near=78701", "web.params.results_of"),
        ("/api/v1/clinics?near=78701", "web.params.rank_clinics"),
    ],
)
def test_unexpected_failures_are_500_pages_or_json(app, monkeypatch, path, target):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(target, broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    response = app.test_client().get(path)

    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "database on fire" not in body
    if path.startswith("/api/"):
        assert response.get_json()["error"]["message"]
    else:
        assert "<h1>Something went wrong</h1>" in body


def test_every_vocabulary_value_has_a_readable_label():
    assert set(filters.VERDICT_LABELS) == set(Verdict)
    assert set(filters.MODALITY_LABELS) == set(Modality)
    assert set(filters.CONDITION_LABELS) == set(Condition)


@pytest.mark.parametrize(
    ("phone", "shown", "href"),
    [
        ("+15125550100", "(512) 555-0100", "tel:+15125550100"),
        ("+442071838750", "+44 20 7183 8750", "tel:+442071838750"),
        ("call us", "call us", None),
        (None, "", None),
    ],
)
def test_phones_show_readably_and_link_for_tapping(phone, shown, href):
    assert filters.phone_display(phone) == shown
    assert filters.phone_href(phone) == href


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://clinic.example/", "https://clinic.example/"),
        ("http://clinic.example/a?b=c", "http://clinic.example/a?b=c"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("data:text/html,hi", None),
        ("//clinic.example/", None),
        ("clinic.example", None),
        (None, None),
    ],
)
def test_only_web_addresses_become_links(url, linked):
    assert filters.web_url(url) == linked


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2027-08-31", "31 Aug 2027"),
        ("2026-11-25T04:00:00+00:00", "25 Nov 2026"),
        (None, ""),
        ("soon", "soon"),
    ],
)
def test_dates_show_day_month_year(app, value, shown):
    with app.test_request_context():
        assert filters.day(value) == shown
