"""The database module: SQLite pragmas, migrations and the schema-behind check."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from directory.db import (
    SchemaBehindError,
    alembic_config,
    make_engine,
    ours,
    require_current_schema,
    upgrade,
)
from directory.models import Base
from tests.conftest import ON_POSTGRES


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite pragmas apply to the SQLite leg only")
def test_sqlite_engine_uses_wal_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (tmp_path / "var" / "x.db").exists()


def test_schema_check_refuses_an_empty_database_and_passes_after_upgrade(fresh_database_url):
    engine = make_engine(fresh_database_url)
    with pytest.raises(SchemaBehindError, match="clinics db upgrade"):
        require_current_schema(engine)
    upgrade(engine)
    require_current_schema(engine)
    upgrade(engine)  # upgrading a current schema is a no-op
    require_current_schema(engine)
    engine.dispose()


def test_migrations_build_exactly_the_schema_the_models_describe(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": ours}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrading_gives_stored_licences_their_surname_sound(fresh_database_url):
    engine = make_engine(fresh_database_url)
    command.upgrade(alembic_config(engine), "5d0e8a3c41b7")
    with engine.begin() as connection:
        for number, last_key in (("1", "kowalski"), ("2", "ng")):
            connection.execute(
                text(
                    "INSERT INTO licenses (source_name, state, license_type, license_number,"
                    " last_name, last_key, full_name, status, source_url, retrieved_at)"
                    " VALUES ('tx-board', 'TX', 'MD', :number, :last, :last, :last, 'active',"
                    " 'https://x/', '2026-11-24 00:00:00+00:00')"
                ),
                {"number": number, "last": last_key},
            )
    upgrade(engine)
    with engine.connect() as connection:
        sounds = connection.execute(
            text("SELECT license_number, last_key_sound FROM licenses ORDER BY license_number")
        ).all()
    assert [tuple(row) for row in sounds] == [("1", "KWLSK"), ("2", None)]
    engine.dispose()
