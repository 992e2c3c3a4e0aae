"""The crawl scheduler: APScheduler 3, with its jobs kept in the project database.

One job per source, on the source's cron schedule. Job defaults make restarts safe: a run that
fell due while the scheduler was down runs once when it is back (`misfire_grace_time=None`,
`coalesce=True`), never twice, and a job never overlaps itself (`max_instances=1`); across
machines, the lock in `directory.locks` keeps two runs of a source apart.
"""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from crawler.jobs import JobConfig, dispatch, distributed, keep_queued_leases, resume_abandoned
from directory.db import make_engine
from directory.locks import LEASE
from directory.sources import Source, cron_trigger

log = logging.getLogger(__name__)
JOB_TABLE = "apscheduler_jobs"  # directory.db.FOREIGN_TABLES keeps it out of our migrations
RESUME_JOB = "resume-abandoned"
LEASE_JOB = "keep-queued-leases"


def job_id(source: Source) -> str:
    """The scheduler's id for a source's job."""
    return f"crawl:{source.name}"


def run_scheduled(name: str) -> None:
    """The job: start (or resume) a run of the source, unless one is under way."""
    dispatch(JobConfig.from_environment(), name)


def run_resume() -> None:
    """The job that resumes runs whose crawler died (a killed scheduler or worker)."""
    resume_abandoned(JobConfig.from_environment())


def run_keep_leases() -> None:
    """The job that keeps the leases of runs whose shards wait in the Celery queue."""
    keep_queued_leases(JobConfig.from_environment())


class Scheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler's background scheduler, closing its job store's connections once stopped.

    On shutdown APScheduler disposes the job store's engine before its own thread has made its
    last pass over the store, and that pass opens a connection nobody closes; disposing the
    engine again once the thread has stopped closes it.
    """

    def __init__(self, store_engine: Engine, **options: Any) -> None:
        super().__init__(**options)
        self.store_engine = store_engine

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)
        self.store_engine.dispose()


def start_scheduler(config: JobConfig, sources: Sequence[Source]) -> Scheduler:
    """Start the scheduler with a job per source; jobs of sources no longer declared are removed.

    A job whose schedule is unchanged keeps the next run time it had stored. Another job looks
    for runs whose crawler died, at start and twice per lock lease, and resumes them; with Celery,
    a third keeps the leases of runs whose shards wait in the queue (as the workers do).
    """
    engine = make_engine(config.database_url)
    scheduler = Scheduler(
        engine,
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=len(sources) + 1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=UTC,
    )
    scheduler.start(paused=True)  # the stored jobs are read, but nothing runs yet
    wanted = {job_id(source): source for source in sources}
    for job in scheduler.get_jobs():
        if job.id not in wanted and job.id not in (RESUME_JOB, LEASE_JOB):
            log.info("removing the job of %s: no longer in the sources file", job.id)
            job.remove()
    for identifier, source in wanted.items():
        trigger = cron_trigger(source.schedule)
        stored = scheduler.get_job(identifier)
        if stored is not None and str(stored.trigger) == str(trigger):
            continue
        scheduler.add_job(
            run_scheduled,
            trigger,
            args=[source.name],
            id=identifier,
            name=f"crawl {source.name} ({source.schedule})",
            replace_existing=True,
        )
    scheduler.add_job(
        run_resume,
        IntervalTrigger(seconds=LEASE.total_seconds() / 2, timezone=UTC),
        id=RESUME_JOB,
        name="resume abandoned runs",
        next_run_time=datetime.now(UTC),
        replace_existing=True,
    )
    if distributed():
        scheduler.add_job(
            run_keep_leases,
            IntervalTrigger(seconds=LEASE.total_seconds() / 3, timezone=UTC),
            id=LEASE_JOB,
            name="keep the leases of queued runs",
            replace_existing=True,
        )
    elif scheduler.get_job(LEASE_JOB) is not None:
        scheduler.remove_job(LEASE_JOB)
    scheduler.resume()
    return scheduler
