"""The database for the web: one engine per app, checked at start, one session per request."""

from typing import Any, cast

from flask import Flask, current_app, g
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from directory.db import make_engine, make_sessionmaker, require_current_schema
from directory.spatial import SpatialIndex, detect_index

ENGINE = "directory.engine"
SESSIONS = "directory.sessionmaker"
SPATIAL_INDEX = "directory.spatial_index"


def init_app(app: Flask) -> None:
    """Connect to DATABASE_URL, refuse a schema that is behind, and close sessions on teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _configure_postgres)
    try:
        require_current_schema(engine)
        with engine.connect() as connection:
            app.extensions[SPATIAL_INDEX] = detect_index(connection)
    except Exception:
        engine.dispose()
        raise
    app.extensions[ENGINE] = engine
    app.extensions[SESSIONS] = make_sessionmaker(engine)
    app.teardown_appcontext(close_session)


def _configure_postgres(dbapi_connection: Any, _record: Any) -> None:
    """Per connection: no JIT compilation and no parallel workers for the site's short queries.

    The planner prices a dense search (the distance worked out for thousands of locations,
    then the window and the sorts) above both thresholds; compiling it takes longer than
    running it (a 100-mile search around ZIP 10001 among 100,000 listings: about 48 ms with
    JIT, 34 ms without), and a worker per search only adds start-up and contention on a server
    already running a request per core.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("SET jit = off")
    cursor.execute("SET max_parallel_workers_per_gather = 0")
    cursor.close()
    dbapi_connection.commit()


def get_engine(app: Flask) -> Engine:
    """The app's engine (for disposing of it when the app is done with)."""
    return cast(Engine, app.extensions[ENGINE])


def get_spatial_index() -> SpatialIndex:
    """The spatial index the app's database has (found once, at start)."""
    return cast(SpatialIndex, current_app.extensions[SPATIAL_INDEX])


def get_session() -> Session:
    """This request's session, opened on first use."""
    if "db_session" not in g:
        sessions = cast(sessionmaker[Session], current_app.extensions[SESSIONS])
        g.db_session = sessions()
    return cast(Session, g.db_session)


def close_session(_error: BaseException | None = None) -> None:
    """Close the request's session; anything a view did not commit is rolled back."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
