"""The item pipeline on a database of the kind under test: what a board's rows become, and what
the crawl run counts of them."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from crawler.pipelines import IngestPipeline
from crawler.spiders.license_table import LicenseTableSpider
from directory.db import make_engine, upgrade
from directory.items import LicenseItem
from directory.models import License
from directory.sources import Source
from directory.vocab import LicenseStatus, LicenseType, SourceKind

SOURCE = Source(
    name="tx-board",
    kind=SourceKind.LICENSE_TABLE,
    url="https://data.example/resource/abcd-1234.json",
    format="soda",
    state="TX",
    columns={"license_number": "lic", "last_name": "surname", "status": "st", "license_type": "t"},
    status_map={"ACTIVE": LicenseStatus.ACTIVE},
    type_map={"PHYSICIAN (MD)": LicenseType.MD},
)


@pytest.fixture
def fresh_engine(fresh_database_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def row(number: str, status: str, kind: str) -> LicenseItem:
    return LicenseItem(
        source_name=SOURCE.name,
        source_url=SOURCE.url or "",
        retrieved_at=datetime(2026, 11, 25, tzinfo=UTC),
        fields={
            "license_number": number,
            "last_name": "Roe",
            "status": status,
            "license_type": kind,
        },
    )


def test_unmapped_status_and_type_words_are_kept_unknown_and_counted(fresh_engine):
    spider = LicenseTableSpider.standalone(SOURCE)
    pipeline = IngestPipeline(spider.crawler, lambda _url: fresh_engine)
    pipeline.open_spider()
    for item in (
        row("M1", "ACTIVE", "Physician (MD)"),
        row("M2", "PENDING REVIEW", "Physician (MD)"),
        row("M3", "Active", "Physician (DO)"),
    ):
        pipeline.process_item(item)
    stats = spider.crawler.stats
    assert stats.get_value("ingest/new") == 3
    assert stats.get_value("flagged/unmapped_status") == 1
    assert stats.get_value("flagged/unmapped_license_type") == 1
    with Session(fresh_engine) as session:
        stored = {
            r.license_number: (r.status, r.status_raw, r.license_type, r.license_type_raw)
            for r in session.scalars(select(License))
        }
    assert stored == {
        "M1": (LicenseStatus.ACTIVE, "ACTIVE", LicenseType.MD, "Physician (MD)"),
        "M2": (LicenseStatus.UNKNOWN, "PENDING REVIEW", LicenseType.MD, "Physician (MD)"),
        "M3": (LicenseStatus.ACTIVE, "Active", LicenseType.OTHER, "Physician (DO)"),
    }


def test_a_finished_run_leaves_the_planner_statistics_of_what_it_wrote(fresh_engine):
    spider = LicenseTableSpider.standalone(SOURCE)
    pipeline = IngestPipeline(spider.crawler, lambda _url: fresh_engine)
    pipeline.open_spider()
    pipeline.process_item(row("M1", "ACTIVE", "Physician (MD)"))
    assert not _analysed(fresh_engine, "licenses")
    pipeline.spider_closed("finished")
    assert _analysed(fresh_engine, "licenses")


def _analysed(engine: Engine, table: str) -> bool:
    """Whether the database holds planner statistics for the table."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            query = (
                "SELECT 1 FROM pg_stat_user_tables WHERE relname = :t AND last_analyze IS NOT NULL"
            )
        elif connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        ).first():
            query = "SELECT 1 FROM sqlite_stat1 WHERE tbl = :t"
        else:
            return False  # nothing analysed yet
        return connection.execute(text(query), {"t": table}).first() is not None
