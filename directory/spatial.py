"""Spatial indexes on locations: an R*Tree on SQLite, a PostGIS GiST index on PostgreSQL.

Both only narrow the candidates; `directory.search` keeps the last word with the exact
great-circle distance, so every index gives the same results as a plain bounding-box scan.
The index objects live outside the models (SQLite virtual tables and an expression index), so
the migrations create them from here and Alembic's comparison is told to leave them alone.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geography
from geoalchemy2.functions import ST_MakePoint, ST_SetSRID
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    cast,
    column,
    func,
    literal_column,
    table,
    text,
)
from sqlalchemy.orm import InstrumentedAttribute

RTREE = "location_rtree"
GEOGRAPHY_INDEX = "ix_locations_geography"
METRES_PER_MILE = 1609.344
# PostGIS measures on a sphere of radius 6,371,008.8 m, ours is 3958.8 miles (6,371,001 m); the
# index is asked for a slightly larger circle so that it never drops a clinic we would keep.
_POSTGIS_MARGIN = 1.0001

UNMODELLED_TABLES = frozenset(
    {RTREE, f"{RTREE}_node", f"{RTREE}_rowid", f"{RTREE}_parent", "spatial_ref_sys"}
)
"""Tables that exist beside the models: the R*Tree and its shadow tables, PostGIS's own."""
UNMODELLED_INDEXES = frozenset({GEOGRAPHY_INDEX})
"""Indexes that exist beside the models."""

rtree = table(
    RTREE, column("id"), column("min_lat"), column("max_lat"), column("min_lon"), column("max_lon")
)


def include_name(name: str | None, type_: str, _parents: Mapping[str, str | None]) -> bool:
    """Alembic's filter: compare everything but the spatial objects kept beside the models."""
    if type_ == "table":
        return name not in UNMODELLED_TABLES
    if type_ == "index":
        return name not in UNMODELLED_INDEXES
    return True


class SpatialIndex(StrEnum):
    """How location search finds its candidates."""

    RTREE = "rtree"
    POSTGIS = "postgis"
    BOX = "box"  # the plain (lat, lon) B-tree index


_RTREE_DDL = (
    "CREATE VIRTUAL TABLE location_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
    # Triggers keep the R*Tree in step with every write, whoever makes it.
    """CREATE TRIGGER location_rtree_insert AFTER INSERT ON locations
        WHEN NEW.lat IS NOT NULL AND NEW.lon IS NOT NULL
        BEGIN
          INSERT INTO location_rtree VALUES (NEW.id, NEW.lat, NEW.lat, NEW.lon, NEW.lon);
        END""",
    """CREATE TRIGGER location_rtree_update AFTER UPDATE OF id, lat, lon ON locations
        BEGIN
          DELETE FROM location_rtree WHERE id = OLD.id;
          INSERT INTO location_rtree SELECT NEW.id, NEW.lat, NEW.lat, NEW.lon, NEW.lon
            WHERE NEW.lat IS NOT NULL AND NEW.lon IS NOT NULL;
        END""",
    """CREATE TRIGGER location_rtree_delete AFTER DELETE ON locations
        BEGIN DELETE FROM location_rtree WHERE id = OLD.id; END""",
    """INSERT INTO location_rtree SELECT id, lat, lat, lon, lon FROM locations
        WHERE lat IS NOT NULL AND lon IS NOT NULL""",
)
_GEOGRAPHY_DDL = (
    "CREATE INDEX ix_locations_geography ON locations USING gist "
    "((CAST(ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geography(POINT,4326))))"
)


def create_indexes(connection: Connection) -> None:
    """Create the spatial index this database supports (none beyond the B-tree without PostGIS)."""
    if connection.dialect.name == "sqlite":
        for statement in _RTREE_DDL:
            connection.execute(text(statement))
    elif connection.dialect.name == "postgresql" and _postgis_available(connection):
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        connection.execute(text(_GEOGRAPHY_DDL))


def drop_indexes(connection: Connection) -> None:
    """Drop what `create_indexes` made (the PostGIS extension stays: others may use it)."""
    if connection.dialect.name == "sqlite":
        for suffix in ("insert", "update", "delete"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {RTREE}_{suffix}"))
        connection.execute(text(f"DROP TABLE IF EXISTS {RTREE}"))
    elif connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP INDEX IF EXISTS {GEOGRAPHY_INDEX}"))


def _postgis_available(connection: Connection) -> bool:
    """Whether the server has the PostGIS extension installed (it need not be enabled yet)."""
    found = connection.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
    ).first()
    return found is not None


def detect_index(connection: Connection) -> SpatialIndex:
    """The best spatial index this database has."""
    if connection.dialect.name == "sqlite":
        found = connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": RTREE},
        ).first()
        return SpatialIndex.RTREE if found else SpatialIndex.BOX
    if connection.dialect.name == "postgresql":
        found = connection.execute(
            text("SELECT 1 FROM pg_indexes WHERE indexname = :name"), {"name": GEOGRAPHY_INDEX}
        ).first()
        return SpatialIndex.POSTGIS if found else SpatialIndex.BOX
    return SpatialIndex.BOX


def _geography(lon: Any, lat: Any) -> ColumnElement[Any]:
    """A point as PostGIS geography, written exactly as the index expression is."""
    point = ST_SetSRID(ST_MakePoint(lon, lat), literal_column("4326"))
    return cast(point, Geography(geometry_type="POINT", srid=4326))


def in_box_around(
    lon: ColumnElement[Any] | InstrumentedAttribute[Any],
    lat: ColumnElement[Any] | InstrumentedAttribute[Any],
    centre_lat: ColumnElement[float],
    centre_lon: ColumnElement[float],
    miles: ColumnElement[float],
) -> ColumnElement[bool]:
    """PostGIS: the point is in the index's box around the circle of (a hair more than) `miles`.

    The box is the condition PostGIS itself gives the index for ST_DWithin (`&&` with the
    centre expanded by the distance), without ST_DWithin's exact test of each point: the
    search's own distance decides, and the exact test cost a fifth of a search's time.
    """
    metres = miles * (METRES_PER_MILE * _POSTGIS_MARGIN)
    expanded = func._ST_Expand(_geography(centre_lon, centre_lat), metres)
    return _geography(lon, lat).op("&&", return_type=Boolean)(expanded)
