"""The data generation: every committed write to a table a search reads bumps it, nothing else."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from directory.accounts import add_user
from directory.db import make_engine, upgrade
from directory.generation import SEARCHED_TABLES, current_generation
from directory.models import Base, CrawlRun
from directory.moderation import confirm_flag, file_flag, hide_listing
from directory.vocab import Role, Verdict
from tests.clinic_factories import add_clinic
from tests.conftest import ON_POSTGRES
from tests.directory.test_moderation import REPORT
from tests.web.seed import seed_austin

AUSTIN = (30.2713, -97.7426)
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.fixture
def committing_engine(fresh_database_url: str) -> Iterator[Engine]:
    """An engine on a database of its own, where writes really commit (triggers run at commit
    on PostgreSQL, and the shared test transaction never commits)."""
    engine = make_engine(fresh_database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def generation(engine: Engine) -> int:
    """The generation as a new transaction sees it."""
    with engine.connect() as connection:
        return current_generation(connection)


def test_a_committed_write_to_each_searched_table_bumps_the_generation(committing_engine):
    with Session(committing_engine, expire_on_commit=False) as session:
        austin = seed_austin(session)
        maintainer = add_user(session, "mo@example.org", "correct horse", Role.ADMIN)
        flag = file_flag(session, austin.near, REPORT, "reporter")
        confirm_flag(session, flag, maintainer, Verdict.UNVERIFIED, "No prescriber.", NOW)
        hide_listing(session, austin.far, maintainer, "A duplicate.", NOW)
        session.commit()
    for table in SEARCHED_TABLES:
        key = Base.metadata.tables[table].primary_key.columns.values()[0].name
        before = generation(committing_engine)
        with committing_engine.begin() as connection:  # plain SQL: no ORM event would see it
            written = connection.execute(text(f"UPDATE {table} SET {key} = {key}"))  # noqa: S608
        assert written.rowcount > 0, table
        assert generation(committing_engine) > before, table


def test_other_tables_and_rolled_back_writes_leave_it_alone(committing_engine):
    before = generation(committing_engine)
    with committing_engine.begin() as connection:
        connection.execute(insert(CrawlRun).values(source_name="clinic-sites", source_kind="site"))
    with Session(committing_engine) as session:
        add_clinic(session, "Never stored", [AUSTIN])
        session.rollback()

    assert generation(committing_engine) == before


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite bumps it once a row")
def test_on_postgresql_a_transaction_bumps_it_once_however_many_rows(committing_engine):
    before = generation(committing_engine)
    with Session(committing_engine) as session:
        for number in range(5):
            add_clinic(session, f"Clinic {number}", [AUSTIN, AUSTIN])
        session.commit()

    assert generation(committing_engine) == before + 1
