"""The scheduler's own jobs: with Celery it also keeps the leases of runs waiting in the queue."""

import pytest

from crawler.jobs import JobConfig
from crawler.scheduler import LEASE_JOB, RESUME_JOB, start_scheduler
from directory.db import make_engine, upgrade
from directory.sources import Source
from directory.vocab import SourceKind

OIG = Source(
    name="oig", kind=SourceKind.LEIE_CSV, url="http://127.0.0.1:9/oig.csv", schedule="30 3 * * *"
)


@pytest.fixture
def config(fresh_database_url, monkeypatch, tmp_path) -> JobConfig:
    engine = make_engine(fresh_database_url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    return JobConfig(fresh_database_url, str(tmp_path / "sources.toml"))


def job_ids(config: JobConfig) -> set[str]:
    scheduler = start_scheduler(config, [OIG])
    try:
        return {job.id for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=True)


def test_with_celery_the_scheduler_keeps_the_leases_of_queued_runs(
    config, monkeypatch, redis_database
):
    monkeypatch.setenv("REDIS_URL", redis_database.url)
    assert job_ids(config) == {"crawl:oig", RESUME_JOB, LEASE_JOB}
    monkeypatch.delenv("REDIS_URL")
    assert job_ids(config) == {"crawl:oig", RESUME_JOB}  # its stored job is dropped
