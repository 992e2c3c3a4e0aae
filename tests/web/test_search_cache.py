"""The search-result cache: a write that changes results shows within the bound, and entries are
never shared between languages, filters, pages or the API and the page."""

import time
from datetime import UTC, datetime

import pytest

from directory.accounts import add_user
from directory.ingest import ingest_listing
from directory.models import Clinic
from directory.moderation import confirm_flag, file_flag, hide_listing
from directory.vocab import Role, Verdict
from tests.clinic_factories import add_verification
from tests.directory.test_ingest import LISTING
from tests.directory.test_moderation import REPORT
from tests.web.seed import seed_austin
from web import create_app
from web.db import get_engine

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
SEARCH = "/api/v1/clinics?near=78701&radius=25"
EVERYTHING = SEARCH + "&status=all"


@pytest.fixture
def cached_site(fresh_database_url, site_engine, geocoder_url):
    """A factory of sites with the cache on, reading the generation every `check_seconds`."""
    apps = []

    def make(check_seconds, **store):
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": fresh_database_url,
                "SECRET_KEY": "test-secret",
                "GEOCODER_URL": geocoder_url,
                "SEARCH_CACHE": True,
                "SEARCH_CACHE_CHECK_SECONDS": check_seconds,
                "CACHE_TYPE": "SimpleCache",
            }
            | store
        )
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:
        get_engine(app).dispose()


def ids(client, path):
    """The ids the API finds for a path."""
    return [result["id"] for result in client.get(path).get_json()["results"]]


def test_within_the_bound_a_search_is_answered_from_the_cache(cached_site, site_session):
    austin = seed_austin(site_session)
    client = cached_site(check_seconds=3600)
    first = client.get(SEARCH)

    hide_listing(site_session, austin.near, _maintainer(site_session), "A duplicate.", NOW)
    site_session.commit()
    again = client.get(SEARCH)

    assert again.get_data() == first.get_data()  # the entry made before the write
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("miss", "hit")
    assert again.headers["ETag"] == first.headers["ETag"]
    assert client.get(SEARCH, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    uncached = cached_site(check_seconds=3600)  # another process reads the data afresh
    assert austin.near.id not in ids(uncached, SEARCH)


def test_a_hidden_listing_leaves_the_api_and_the_page_once_the_bound_has_passed(
    cached_site, site_session
):
    austin = seed_austin(site_session)
    client = cached_site(check_seconds=0.2)
    assert austin.near.id in ids(client, SEARCH)
    assert "Congress Avenue Ketamine" in client.get("/?near=78701").get_data(as_text=True)

    hide_listing(site_session, austin.near, _maintainer(site_session), "A duplicate.", NOW)
    site_session.commit()
    time.sleep(0.25)

    assert austin.near.id not in ids(client, SEARCH)
    assert "Congress Avenue Ketamine" not in client.get("/?near=78701").get_data(as_text=True)


def _ingest(session, _austin):
    ingest_listing(session, LISTING)


def _verify(session, austin):
    add_verification(session, austin.far, Verdict.LICENSE_PROBLEM, NOW, ["Lapsed."], [])
    austin.far.verdict = Verdict.LICENSE_PROBLEM


def _override(session, austin):
    flag = file_flag(session, austin.near, REPORT, "reporter")
    confirm_flag(session, flag, _maintainer(session), Verdict.UNVERIFIED, "No prescriber.", NOW)


def _flag(session, austin):
    file_flag(session, austin.far, REPORT, "reporter")


@pytest.mark.parametrize("write", [_ingest, _verify, _override, _flag])
def test_every_kind_of_write_shows_in_search_after_the_bound(cached_site, site_session, write):
    austin = seed_austin(site_session)
    client = cached_site(check_seconds=0)  # a bound of 0: the next search sees the write
    before = client.get(EVERYTHING).get_data()
    assert client.get(EVERYTHING).get_data() == before

    write(site_session, austin)
    site_session.commit()

    assert client.get(EVERYTHING).get_data() != before


def test_a_rolled_back_write_keeps_the_entries(cached_site, site_session):
    austin = seed_austin(site_session)
    client = cached_site(check_seconds=0)
    before = client.get(SEARCH).get_data()

    site_session.get(Clinic, austin.near.id).name = "Renamed and then not"
    site_session.flush()
    site_session.rollback()

    assert client.get(SEARCH).get_data() == before


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (SEARCH, EVERYTHING),
        (SEARCH, SEARCH + "&modality=esketamine_nasal_spray"),
        (SEARCH, SEARCH + "&support=1"),
        (SEARCH + "&limit=1", SEARCH + "&limit=1&offset=1"),
        (SEARCH, "/api/v1/clinics?near=78701&radius=5"),
        (SEARCH, "/api/v1/clinics?near=%2078701&radius=25"),  # the body echoes `near` as given
    ],
)
def test_different_searches_never_share_an_entry(cached_site, site_session, one, other):
    seed_austin(site_session)
    client = cached_site(check_seconds=3600)
    uncached = cached_site(check_seconds=3600)
    client.get(one)

    assert client.get(other).get_data() == uncached.get(other).get_data()


def test_the_same_search_in_another_order_shares_its_entry(cached_site, site_session):
    seed_austin(site_session)
    client = cached_site(check_seconds=3600)
    first = client.get(SEARCH + "&status=all&limit=3").get_data()
    site_session.get(Clinic, 1).name = "Renamed"
    site_session.commit()

    assert client.get("/api/v1/clinics?limit=3&status=all&radius=25&near=78701").get_data() == first


def test_languages_never_share_an_entry(cached_site, site_session):
    seed_austin(site_session)
    client = cached_site(check_seconds=3600)
    english = client.get("/?near=78701", headers={"Accept-Language": "en"})
    spanish = client.get("/?near=78701", headers={"Accept-Language": "es"})

    assert english.get_data() != spanish.get_data()
    assert 'lang="es"' in spanish.get_data(as_text=True)
    assert 'lang="en"' in english.get_data(as_text=True)


def test_the_api_and_the_page_never_share_an_entry(cached_site, site_session):
    seed_austin(site_session)
    client = cached_site(check_seconds=3600)
    client.get("/?near=78701&radius=25")

    response = client.get("/api/v1/clinics?near=78701&radius=25")

    assert response.mimetype == "application/json"
    assert response.get_json()["total"] == 2


def test_workers_sharing_a_redis_cache_share_its_entries_and_the_generation(
    cached_site, site_session, redis_database
):
    store = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_database.url}
    try:
        austin = seed_austin(site_session)
        one, other = cached_site(0, **store), cached_site(0, **store)  # two gunicorn workers
        assert one.get(SEARCH).headers["X-Cache"] == "miss"
        assert other.get(SEARCH).headers["X-Cache"] == "hit"

        hide_listing(site_session, austin.near, _maintainer(site_session), "A duplicate.", NOW)
        site_session.commit()

        assert austin.near.id not in ids(other, SEARCH)
        assert one.get(SEARCH).headers["X-Cache"] == "hit"  # the entry the other one made
    finally:
        redis_database.empty()


def _maintainer(session):
    """A maintainer to act as (one per database)."""
    return add_user(session, f"mo-{time.monotonic_ns()}@example.org", "correct horse", Role.ADMIN)
