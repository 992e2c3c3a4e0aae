"""Faults injected through the local web: retried with back-off, then failed, nothing lost."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.models import CrawlRun, Exclusion
from localweb import Fault, LocalWeb

CSV = "/exclusions/downloadables/UPDATED.csv"


@pytest.fixture(scope="module")
def sources_file(local_web, clinics) -> Path:
    path = local_web.write_sources(clinics.workdir / "sources.toml")
    clinics.run("crawl", "--sources", str(path), "--source", "oig-leie")  # what is stored
    return path


@pytest.fixture
def web(local_web: LocalWeb, monkeypatch) -> Iterator[LocalWeb]:
    """The local web, its faults cleared afterwards; retries wait a tenth of a second."""
    monkeypatch.setenv("CLINICS_RETRY_BACKOFF", "0.1")
    yield local_web
    local_web.clear_faults()


def crawl_oig(clinics, sources_file, engine) -> CrawlRun:
    clinics.run("crawl", "--sources", str(sources_file), "--source", "oig-leie")
    with Session(engine) as session:
        return session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()


def exclusions(engine) -> list[tuple[str, str | None]]:
    """The stored exclusion rows (the baseline crawl stored 11)."""
    with Session(engine) as session:
        rows = session.execute(select(Exclusion.record_key, Exclusion.last_name)).all()
        assert session.scalar(select(func.count()).select_from(Exclusion)) == 11
    return sorted((key, name) for key, name in rows)


def csv_requests(web: LocalWeb) -> int:
    return sum(path == CSV for site, path in web.requests if site == "oig")


def test_a_server_that_asks_to_come_back_later_is_retried(
    web, clinics, sources_file, crawled_engine
):
    before, asked = exclusions(crawled_engine), csv_requests(web)
    web.inject("oig", CSV, Fault(status=503, retry_after=1, times=2))
    run = crawl_oig(clinics, sources_file, crawled_engine)
    assert csv_requests(web) - asked == 3  # two refusals, then the file
    assert (run.status, run.counts["item_scraped_count"]) == ("finished", 11)
    assert run.counts["http/503"] == 2
    assert exclusions(crawled_engine) == before


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault(status=500), "http/500"),
        (Fault(status=200, body=b"\x00\x01 this is not a CSV file"), "skipped/unexpected_header"),
        (Fault(delay=3.0), "skipped/download_failed"),  # a hang: the crawler waits 1 s
    ],
    ids=["server-error", "garbage", "hang"],
)
def test_a_source_that_keeps_failing_is_recorded_failed_and_nothing_is_lost(
    web, clinics, sources_file, crawled_engine, monkeypatch, fault, reason
):
    monkeypatch.setenv("CLINICS_DOWNLOAD_TIMEOUT", "1")
    before, asked = exclusions(crawled_engine), csv_requests(web)
    web.inject("oig", CSV, fault)
    run = crawl_oig(clinics, sources_file, crawled_engine)
    assert run.status == "failed"
    assert run.counts[reason] >= 1
    assert run.findings[0].startswith("nothing retrieved")
    assert exclusions(crawled_engine) == before
    retried = 1 if reason.endswith("unexpected_header") else 3
    assert csv_requests(web) - asked == retried
