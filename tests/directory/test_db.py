"""The database module: SQLite pragmas, migrations and the schema-behind check."""

from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, column, event, select, table, text
from sqlalchemy.orm import Session

from directory.db import (
    SchemaBehindError,
    alembic_config,
    make_engine,
    ours,
    refresh_statistics,
    require_current_schema,
    upgrade,
)
from directory.models import Base, Verification
from directory.search import Filters, rank_clinics
from directory.vocab import Verdict
from tests.clinic_factories import RETRIEVED, add_clinic, add_verification
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


def test_upgrading_types_the_dates_that_stored_reasons_kept_as_text(fresh_database_url):
    engine = make_engine(fresh_database_url)
    command.upgrade(alembic_config(engine), "e5f1a9c3b702")
    excluded = {
        "text": "Jo is on the OIG exclusion list since 2024-01-15.",
        "template": "%(name)s is on the OIG exclusion list since %(day)s.",
        "params": {"name": "Jo", "day": "2024-01-15"},
    }
    unreadable = excluded | {"params": {"name": "Jo", "day": "last spring"}}
    nested = {"text": "...", "template": "%(list)s", "params": {"list": [excluded, "plain"]}}
    stored = [excluded, unreadable, nested, "A reason kept as plain text."]
    with Session(engine) as session, session.begin():
        clinic = add_clinic(session, "Hill Country Ketamine", [(30.27, -97.74)])
        add_verification(session, clinic, Verdict.LICENSE_PROBLEM, RETRIEVED, stored, [])
    upgrade(engine)
    with Session(engine) as session:
        excluded_now, unreadable_now, nested_now, plain = session.scalars(
            select(Verification.reasons)
        ).one()
    assert excluded_now.params == {"name": "Jo", "day": date(2024, 1, 15)}
    assert excluded_now == excluded["text"]
    assert unreadable_now.params["day"] == "last spring"
    assert nested_now.params["list"][0].params["day"] == date(2024, 1, 15)
    assert plain == "A reason kept as plain text."
    command.downgrade(alembic_config(engine), "e5f1a9c3b702")
    with engine.connect() as connection:
        as_stored = select(column("reasons", JSON)).select_from(table("verifications"))
        assert connection.execute(as_stored).scalar_one() == stored
    engine.dispose()


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's plans; PostgreSQL samples its own tables")
def test_with_statistics_search_reads_its_indexes_not_the_rows(fresh_database_url):
    engine = make_engine(fresh_database_url)
    upgrade(engine)
    with Session(engine) as session:
        for number in range(300):
            add_clinic(session, f"Clinic {number}", [(30.2 + number / 1000, -97.7)])
        session.commit()
    refresh_statistics(engine)
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # noqa: PLR0913
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    with Session(engine) as session:
        ranking = rank_clinics(
            session, "78701", 25, Filters(verdicts=frozenset({Verdict.VERIFIED}))
        )
        assert ranking.total == 300
        (statement, parameters) = statements[-1]
        plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        details = " | ".join(row.detail for row in plan)
    assert "locations USING COVERING INDEX ix_locations_search" in details
    assert "clinics USING COVERING INDEX ix_clinics_search" in details
    engine.dispose()
