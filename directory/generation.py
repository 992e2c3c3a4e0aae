"""The data generation: a counter the database bumps in every transaction that changes what a
search can show, so that caches of search results know when they are out of date.

Triggers bump it, not the code that writes, so no writer (ingest of a crawl, a verification, a
maintainer's override, moderation, a flag, an import through plain SQL) can forget to. Every
table a search result or listing record is read from has them. They live beside the models,
like the spatial index: the migration creates them from here.

On SQLite every written row bumps the counter (SQLite has no statement-level triggers; one
writer at a time holds the whole database, so nobody waits on the counter). On PostgreSQL a
deferred constraint trigger bumps it once per transaction, at commit: the counter's row is
locked for the moment before the commit only, so concurrent writers neither queue behind one
another for their whole transaction nor deadlock on it.
"""

from sqlalchemy import Connection, insert, select, text

from directory.models import DataGeneration

SEARCHED_TABLES = (
    "clinics",
    "locations",
    "clinicians",
    "field_sources",
    "verifications",
    "verdict_overrides",
    "flags",
    "listing_removals",
)
"""Every table a search, its results page or the API's listing records read."""

_SQLITE_OPERATIONS = ("insert", "update", "delete")
_SQLITE_TRIGGER = (
    "CREATE TRIGGER {table}_generation_{operation} AFTER {operation} ON {table} "
    "BEGIN UPDATE data_generation SET value = value + 1; END"
)
_POSTGRES_FUNCTION = """
CREATE FUNCTION bump_data_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- once per transaction: the setting is local to it and gone at its end
  IF current_setting('clinics.generation_bumped', true) IS DISTINCT FROM 'on' THEN
    UPDATE data_generation SET value = value + 1;
    PERFORM set_config('clinics.generation_bumped', 'on', true);
  END IF;
  RETURN NULL;
END $$
"""
_POSTGRES_TRIGGER = (
    "CREATE CONSTRAINT TRIGGER {table}_generation AFTER INSERT OR UPDATE OR DELETE ON {table} "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_generation()"
)


def create_triggers(connection: Connection) -> None:
    """Create the counter's one row and the triggers that bump it."""
    connection.execute(insert(DataGeneration).values(id=1, value=0))
    if connection.dialect.name == "sqlite":
        for table in SEARCHED_TABLES:
            for operation in _SQLITE_OPERATIONS:
                trigger = _SQLITE_TRIGGER.format(table=table, operation=operation)
                connection.execute(text(trigger))
    elif connection.dialect.name == "postgresql":
        connection.execute(text(_POSTGRES_FUNCTION))
        for table in SEARCHED_TABLES:
            connection.execute(text(_POSTGRES_TRIGGER.format(table=table)))


def drop_triggers(connection: Connection) -> None:
    """Drop what `create_triggers` made (the table goes with the migration)."""
    for table in SEARCHED_TABLES:
        if connection.dialect.name == "sqlite":
            for operation in _SQLITE_OPERATIONS:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_generation_{operation}"))
        elif connection.dialect.name == "postgresql":
            connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_generation ON {table}"))
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP FUNCTION IF EXISTS bump_data_generation()"))


def current_generation(connection: Connection) -> int:
    """The counter as this connection's transaction sees it."""
    return connection.execute(
        select(DataGeneration.value).where(DataGeneration.id == 1)
    ).scalar_one()
