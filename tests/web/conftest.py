"""Web fixtures: each test gets its own migrated database, seeded through a committing session.

The app opens its own connections, so it only sees committed rows; a fresh database per test
keeps one test's rows out of the next on SQLite and PostgreSQL alike.
"""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from directory.db import make_engine, upgrade
from localweb import LocalWeb
from web import create_app
from web.db import get_engine


@pytest.fixture(scope="session")
def geocoder_url() -> Iterator[str]:
    """The local web's stand-in for the Census geocoder, so tests never reach the internet."""
    with LocalWeb() as web:
        yield web.urls["geocoder"] + "geocoder/locations/onelineaddress"


@pytest.fixture
def site_engine(fresh_database_url: str) -> Iterator[Engine]:
    """An engine on the test's own database, migrated to head."""
    engine = make_engine(fresh_database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def site_session(site_engine: Engine) -> Iterator[Session]:
    """A session for seeding the site's database; call commit() so the app sees the rows."""
    with Session(site_engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app(fresh_database_url: str, site_engine: Engine, geocoder_url: str) -> Iterator[Flask]:
    """The site, configured for testing against the test's database and the local geocoder."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": fresh_database_url,
            "SECRET_KEY": "test-secret",
            "GEOCODER_URL": geocoder_url,
            "MAP_TILES_URL": "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png",  # tiles that never load
            "SEARCH_CACHE": False,  # tests write and read at once; test_search_cache turns it on
        }
    )
    yield app
    get_engine(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the site."""
    return app.test_client()
