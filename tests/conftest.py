"""Shared fixtures: the database under test (SQLite, or PostgreSQL when DATABASE_URL names it),
and a Redis database of the run's own; Hypothesis without its per-example deadline.

The schema is always built by the Alembic migrations, so they are tested on both databases.
Each test runs inside a transaction that is rolled back.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from hypothesis import settings
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from directory.db import make_engine, upgrade

settings.register_profile("untimed", deadline=None)
settings.load_profile("untimed")
# Speed is the benchmarks' to measure: a deadline per example only fails tests on a busy machine.

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of the session's database, with the schema at head."""
    if ON_POSTGRES:
        return POSTGRES_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the session's database, migrated to head."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, commits included."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@contextmanager
def new_database(folder: Path) -> Iterator[str]:
    """A new, empty database of the kind under test, dropped afterwards."""
    if not ON_POSTGRES:
        yield f"sqlite:///{folder / 'fresh.db'}"
        return
    base = make_url(POSTGRES_URL)
    name = f"{base.database}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database for one test."""
    with new_database(tmp_path) as url:
        yield url


REDIS_DATABASES = range(8, 16)
"""The databases of the Redis server on 127.0.0.1:6379 that test runs take, one each."""
REDIS_CLAIM = "clinics-tests:claim"
"""The key by which a test run holds its Redis database; it expires if the run dies."""
REDIS_CLAIM_SECONDS = 2 * 3600


class RedisDatabase:
    """A Redis database held by this test run alone, so that runs side by side never meet."""

    def __init__(self, client: redis.Redis, number: int) -> None:
        self.client = client
        self.url = f"redis://127.0.0.1:6379/{number}"

    def empty(self) -> None:
        """Delete every key but the run's claim on the database, and renew the claim."""
        self.client.expire(REDIS_CLAIM, REDIS_CLAIM_SECONDS)
        for key in self.client.scan_iter():
            if key != REDIS_CLAIM.encode():
                self.client.delete(key)


@pytest.fixture(scope="session")
def redis_database() -> Iterator[RedisDatabase]:
    """The first of `REDIS_DATABASES` no other run holds, claimed (SET NX) and emptied."""
    token = uuid.uuid4().hex
    for number in REDIS_DATABASES:
        client = redis.Redis(host="127.0.0.1", port=6379, db=number)
        try:
            claimed = client.set(REDIS_CLAIM, token, nx=True, ex=REDIS_CLAIM_SECONDS)
        except redis.ConnectionError:
            if os.environ.get("CI"):
                pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        if claimed:
            break
        client.close()
    else:
        pytest.fail(f"every Redis database of {REDIS_DATABASES} is held by another test run")
    database = RedisDatabase(client, number)
    database.empty()
    try:
        yield database
    finally:
        database.empty()
        if client.get(REDIS_CLAIM) == token.encode():
            client.delete(REDIS_CLAIM)
        client.close()


def pytest_report_header() -> str:
    """Say which database the run is on, so a log shows which leg it was."""
    return f"database: {'PostgreSQL' if ON_POSTGRES else 'SQLite (temporary file)'}"
