"""Engines, sessions and the schema: SQLite (WAL, foreign keys) by default, or PostgreSQL."""

import math
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from directory import spatial

DEFAULT_DATABASE_URL = "sqlite:///var/clinics.db"
MIGRATIONS = Path(__file__).parent / "migrations"
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})
"""Tables in our database that other libraries own (APScheduler's job store): not our schema."""


class SchemaBehindError(RuntimeError):
    """The database schema is older than the code (or missing)."""


def database_url(explicit: str | None = None) -> str:
    """The database to use: the one given, else `DATABASE_URL`, else the embedded default."""
    return explicit or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def make_engine(url: str | None = None, **options: Any) -> Engine:
    """An engine for the URL; SQLite files get their folder, WAL mode and foreign keys."""
    url = database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **options)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, **options)
    event.listen(engine, "connect", _configure_sqlite)
    return engine


_SEARCH_MATH = ("sin", "cos", "asin", "sqrt")
"""The SQL functions location search computes distances with; Python's stand in if missing."""


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Per connection: enforce foreign keys, write-ahead log so readers never wait on the crawl,
    the file mapped into memory (up to 1 GiB) for the licence checker's many small reads, and
    the math functions search needs."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA mmap_size=1073741824")  # read pages in place: blocks of licences
    for name in _SEARCH_MATH:
        try:
            cursor.execute(f"SELECT {name}(0.5)")
        except sqlite3.OperationalError:  # SQLite before 3.35, or built without them
            dbapi_connection.create_function(name, 1, getattr(math, name), deterministic=True)
    cursor.close()


_ANALYSIS_ROWS = 1000
"""Rows of each index `refresh_statistics` reads: a sample bounds its time on a large table."""


def refresh_statistics(engine: Engine) -> None:
    """Tell the query planner how the tables have grown, after a crawl has written them.

    Without statistics SQLite looks up each location a search finds in the location's (wide)
    row, and each clinic in its own, rather than in the indexes that hold what the search reads
    (`ix_locations_search`, `ix_clinics_search`). SQLite samples each index (`analysis_limit`):
    a tenth of a second for 100,000 listings. PostgreSQL's autovacuum analyses the tables too,
    in its own time; this has it done at once.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA analysis_limit={_ANALYSIS_ROWS}")
        connection.exec_driver_sql("ANALYZE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to the engine; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def database_sessions(url: str | None = None) -> Iterator[sessionmaker[Session]]:
    """Sessions on a database for one task, its engine's connections closed when it ends."""
    engine = make_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def ours(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's `include_name` filter: the schema the models describe, leaving alone the tables
    other libraries own and the spatial objects kept beside the models."""
    foreign = type_ == "table" and name in FOREIGN_TABLES
    return not foreign and spatial.include_name(name, type_, parent_names)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration for our migrations, bound to the engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    command.upgrade(alembic_config(engine), "head")


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """The database's current migration and the newest one the code knows."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head


def require_current_schema(engine: Engine) -> None:
    """Refuse to go on when the schema is behind the code, saying what to run."""
    current, head = schema_revisions(engine)
    if current != head:
        found = f"at revision {current}" if current else "empty"
        raise SchemaBehindError(
            f"The database {engine.url.render_as_string(hide_password=True)} is {found}, "
            f"but this version needs revision {head}. Run `clinics db upgrade` first."
        )
