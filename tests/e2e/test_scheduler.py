"""`clinics scheduler` for real: restarts neither skip nor double a run; a killed one resumes.

The scheduler keeps its jobs in the project database (APScheduler's SQLAlchemy job store); the
tests move a stored job's next run time into the past, as if the scheduler had been down.
"""

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.scheduler import JOB_TABLE
from directory.db import make_engine
from directory.models import CrawlRun, Exclusion
from localweb import Fault, LocalWeb
from tests.conftest import new_database
from tests.e2e.conftest import Clinics
from tests.e2e.test_kill import assert_whole

CSV = "/exclusions/downloadables/UPDATED.csv"


def oig_only(web: LocalWeb, folder: Path) -> Path:
    """A sources file with only the exclusion list (daily, at 03:30 UTC)."""
    text = web.sources_toml()
    start = text.index('[[source]]\nname = "oig-leie"')
    path = folder / "oig.toml"
    path.write_text(text[start:], encoding="utf-8")
    return path


class Scheduler:
    """`clinics scheduler` as a service: started, stopped, killed."""

    def __init__(self, clinics: Clinics, sources: Path) -> None:
        self.clinics = clinics
        self.environment = {
            **os.environ,
            "DATABASE_URL": clinics.database_url,
            "CLINICS_CRAWL_DELAY": "0",
            "CLINICS_LOG_LEVEL": "WARNING",
            "CLINICS_LOCK_LEASE": "4",
        }
        self.sources = sources
        self.process: subprocess.Popen[str] | None = None
        self.engine = make_engine(clinics.database_url)
        self.log = (clinics.workdir / "scheduler.log").open("a")

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "clinics", "scheduler", "--sources", str(self.sources)],
            env=self.environment,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert self.process.stdout is not None
        lines = list(
            iter(self.process.stdout.readline, "Scheduler running (SIGTERM or Ctrl-C stops it).\n")
        )
        assert any(line.startswith("crawl oig-leie (30 3 * * *): next run") for line in lines), (
            lines
        )

    def stop(self, how: signal.Signals = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(how)
        self.process.communicate(timeout=120)
        self.process = None

    def next_run_time(self) -> datetime:
        store = self._store()
        try:
            return store.lookup_job("crawl:oig-leie").next_run_time
        finally:
            store.shutdown()

    def fell_due(self, days_ago: int) -> None:
        """Move the stored job's next run into the past, as if the scheduler had been down."""
        store = self._store()
        try:
            job = store.lookup_job("crawl:oig-leie")
            job.next_run_time = datetime.now(UTC) - timedelta(days=days_ago)
            store.update_job(job)
        finally:
            store.shutdown()

    def _store(self) -> SQLAlchemyJobStore:
        """The scheduler's job store, read here directly (no second scheduler runs anything)."""
        store = SQLAlchemyJobStore(url=self.clinics.database_url, tablename=JOB_TABLE)
        store.start(BackgroundScheduler(timezone=UTC), "default")
        return store

    def runs(self) -> list[CrawlRun]:
        with Session(self.engine) as session:
            found = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
            for run in found:
                _ = run.shards
            return found

    def wait_until(self, condition, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out waiting"
            time.sleep(0.1)


@pytest.fixture
def scheduler(local_web, tmp_path) -> Iterator[Scheduler]:
    with new_database(tmp_path) as url:
        clinics = Clinics(url, tmp_path)
        clinics.run("db", "upgrade")
        service = Scheduler(clinics, oig_only(local_web, tmp_path))
        yield service
        if service.process is not None:
            service.stop(signal.SIGKILL)
        service.engine.dispose()
        service.log.close()
    local_web.clear_faults()


def test_a_restart_neither_skips_nor_doubles_a_run(scheduler):
    scheduler.start()
    scheduler.stop()
    planned = scheduler.next_run_time()
    assert planned > datetime.now(UTC)
    assert (planned.hour, planned.minute) == (3, 30)
    assert scheduler.runs() == []

    scheduler.fell_due(days_ago=3)  # three daily runs missed while it was down
    scheduler.start()
    scheduler.wait_until(lambda: any(run.finished_at for run in scheduler.runs()))
    scheduler.stop()
    (run,) = scheduler.runs()  # the missed runs ran once: not skipped, not three times
    assert run.status == "finished"
    assert scheduler.next_run_time() == planned

    scheduler.start()  # nothing fell due meanwhile: a restart starts nothing
    scheduler.stop()
    assert len(scheduler.runs()) == 1


def test_a_killed_scheduler_resumes_its_run_without_starting_another(scheduler, local_web):
    local_web.inject("oig", CSV, Fault(delay=3.0))
    scheduler.start()
    scheduler.stop()
    scheduler.fell_due(days_ago=1)
    scheduler.start()
    scheduler.wait_until(lambda: any(run.shards[0].status == "running" for run in scheduler.runs()))
    scheduler.stop(signal.SIGKILL)  # its crawl process dies with it
    local_web.clear_faults()
    (abandoned,) = scheduler.runs()
    assert abandoned.status == "running"

    scheduler.start()
    scheduler.wait_until(lambda: all(run.finished_at for run in scheduler.runs()))
    scheduler.stop()
    (run,) = scheduler.runs()
    assert (run.id, run.status) == (abandoned.id, "finished")
    assert run.shards[0].attempts == 2
    with Session(scheduler.engine) as session:
        assert session.scalar(select(func.count()).select_from(Exclusion)) == 11


KILL_SEEDS = (3, 14, 15)  # kill 0.87, 0.5 and 2.9 s after the scheduler says it is running


def test_a_scheduler_killed_at_random_moments_leaves_a_whole_database_and_one_run(
    scheduler, local_web
):
    """`kill -9` at seeded moments of a due run (its download slowed), the database whole after
    each; then an uninterrupted scheduler finishes that same run, and only it."""
    local_web.inject("oig", CSV, Fault(delay=1.5))
    scheduler.start()
    scheduler.stop()
    scheduler.fell_due(days_ago=1)
    for seed in KILL_SEEDS:
        scheduler.start()
        time.sleep(random.Random(seed).uniform(0.2, 3.0))
        scheduler.stop(signal.SIGKILL)
        assert_whole(scheduler.engine)
        assert len(scheduler.runs()) <= 1
    local_web.clear_faults()

    scheduler.start()
    scheduler.wait_until(lambda: bool(scheduler.runs()) and scheduler.runs()[0].finished_at)
    scheduler.stop()
    (run,) = scheduler.runs()
    assert run.status == "finished"
    assert run.shards[0].attempts >= 2  # resumed after a kill mid-shard (4 attempts here)
    assert_whole(scheduler.engine)
    with Session(scheduler.engine) as session:
        assert session.scalar(select(func.count()).select_from(Exclusion)) == 11
