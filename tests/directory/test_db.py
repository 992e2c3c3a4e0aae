"""The database module: SQLite pragmas, migrations and the schema-behind check."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from directory.db import SchemaBehindError, make_engine, ours, require_current_schema, upgrade
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
