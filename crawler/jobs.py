"""Crawl jobs: start (or resume) a run of a source, and crawl each shard in a process of its own.

With `REDIS_URL` set, shards go to Celery workers (`crawler.tasks`); without it they run here, as
local processes. Either way the process that records a run's last shard closes the run, checks it
with the monitors, verifies once, and tells maintainers when something looks wrong.
"""

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from directory import ingest, runs
from directory.db import DEFAULT_DATABASE_URL, database_sessions
from directory.locks import LEASE, locks_for
from directory.models import CrawlRun
from directory.monitors import check_run, run_event
from directory.notify import notify
from directory.sources import Source, load_sources
from directory.vocab import LISTING_KINDS

log = logging.getLogger(__name__)

SHARD_ATTEMPTS = int(os.environ.get("CLINICS_SHARD_ATTEMPTS", "3"))
"""How often a shard whose crawl process dies is tried before it is recorded as failed."""
RETRY_BACKOFF = float(os.environ.get("CLINICS_RETRY_BACKOFF", "2"))
"""Seconds before the first retry of a shard; each further retry waits twice as long."""
LOCAL_SHARDS = int(os.environ.get("CLINICS_LOCAL_SHARDS", "2"))
"""How many shards run at once as local processes (without Celery)."""


@dataclass(frozen=True)
class JobConfig:
    """Where jobs read their sources and store what they crawl."""

    database_url: str
    sources_file: str

    @classmethod
    def from_environment(cls) -> "JobConfig":
        """The configuration `clinics` hands its services through the environment."""
        return cls(
            database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            sources_file=os.environ.get("CLINICS_SOURCES", "sources.toml"),
        )

    def source(self, name: str) -> Source:
        """The named entry of the sources file, read afresh (maintainers edit it)."""
        for source in load_sources(self.sources_file):
            if source.name == name:
                return source
        raise LookupError(f"{self.sources_file}: no source named {name}")


def distributed() -> bool:
    """Whether shards go to Celery workers (REDIS_URL is set) rather than local processes."""
    return bool(os.environ.get("REDIS_URL"))


def holder() -> str:
    """Who takes a lock: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_alive(lock_holder: str) -> bool:
    """Whether a lock's holder may still be crawling: yes, unless it is a process of this host
    that no longer exists (a reused process id only makes us wait for the lease)."""
    host, _, pid = lock_holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def dispatch(config: JobConfig, name: str) -> int | None:
    """Start or resume a run of a source; its id, or None when another run of it is under way.

    Locally the shards are crawled before this returns; with Celery they are queued.
    """
    source = config.source(name)
    with database_sessions(config.database_url) as sessions:
        run_id = runs.begin_run(sessions, locks_for(sessions), source)
        if run_id is None:
            log.info("%s: a run is already under way; not starting another", name)
            return None
        with sessions() as session:
            positions = runs.open_shards(session, run_id)
        if not positions:  # resumed a run whose shards were all done: only closing is left
            close(config, sessions, run_id)
    if distributed():
        _queue(config, run_id, positions)
    else:
        with ThreadPoolExecutor(LOCAL_SHARDS) as pool:
            shards = [
                pool.submit(crawl_shard_locally, config, run_id, position) for position in positions
            ]
            for shard in shards:
                shard.result()
    return run_id


def _queue(config: JobConfig, run_id: int, positions: Sequence[int]) -> None:
    """Send shards to the Celery workers, recording each as queued once the broker has it."""
    from crawler.tasks import crawl_shard

    with database_sessions(config.database_url) as sessions:
        for position in positions:
            crawl_shard.delay(run_id, position)
            with sessions.begin() as session:
                runs.mark_queued(session, run_id, position)


def keep_queued_leases(config: JobConfig) -> list[int]:
    """Renew the leases of runs whose shards all wait in the queue or are being crawled."""
    with database_sessions(config.database_url) as sessions, sessions() as session:
        return runs.renew_queued(session, locks_for(sessions))


class SourcesBusy(RuntimeError):
    """Sources that another run is crawling."""


@contextmanager
def holding(config: JobConfig, names: Sequence[str]) -> Iterator[None]:
    """Hold the locks of sources crawled in this process (by `clinics crawl`) while it crawls."""
    with database_sessions(config.database_url) as sessions:
        locks = locks_for(sessions)
        me = holder()
        busy = runs.hold(locks, names, me, holder_alive)
        if busy:
            raise SourcesBusy(", ".join(busy))
        done = threading.Event()

        def keep_renewing() -> None:
            while not done.wait(LEASE.total_seconds() / 3):
                for name in names:
                    locks.renew(name, me)

        renewer = threading.Thread(target=keep_renewing, name="lock-renewal", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            done.set()
            renewer.join()
            for name in names:
                locks.release(name, me)


def resume_abandoned(config: JobConfig) -> list[int]:
    """Resume every run whose holder died (its lock's lease ran out); the runs resumed."""
    with database_sessions(config.database_url) as sessions, sessions() as session:
        names = runs.abandoned(session, locks_for(sessions))
    resumed = []
    for name in names:
        log.warning("%s: resuming a run whose crawler stopped", name)
        run_id = dispatch(config, name)
        if run_id is not None:
            resumed.append(run_id)
    return resumed


def crawl_shard_locally(config: JobConfig, run_id: int, position: int) -> None:
    """Crawl one shard here, retrying with back-off while its process keeps dying."""
    attempt = 0
    while not crawl_shard(config, run_id, position):
        time.sleep(RETRY_BACKOFF * 2**attempt)
        attempt += 1


def crawl_shard(config: JobConfig, run_id: int, position: int) -> bool:
    """Crawl a shard in a child process and close the run if it was the last; False: retry it."""
    with database_sessions(config.database_url) as sessions:
        with sessions.begin() as session:
            started = runs.start_shard(session, run_id, position) is not None
        if started:
            returncode = _crawl_in_child(config, sessions, run_id, position)
            with sessions.begin() as session:
                shard = runs.get_shard(session, run_id, position)
                if shard.status not in runs.DONE:  # the child died before recording its end
                    if shard.attempts < SHARD_ATTEMPTS:  # tried again: by Celery, from its queue
                        shard.status = "queued" if distributed() else "pending"
                        return False
                    runs.finish_shard(
                        session,
                        run_id,
                        position,
                        status="failed",
                        counts={},
                        errors=[f"crawl process exited with status {returncode}"],
                        error_count=1,
                    )
        close(config, sessions, run_id)
        return True


def _crawl_in_child(
    config: JobConfig, sessions: sessionmaker[Session], run_id: int, position: int
) -> int:
    """Run `python -m crawler.shard` and renew the run's lock while it crawls; its exit status."""
    environment = {
        **os.environ,
        "DATABASE_URL": config.database_url,
        "CLINICS_SOURCES": config.sources_file,
    }
    child = subprocess.Popen(  # noqa: S603 - our own module, no shell
        [sys.executable, "-m", "crawler.shard", str(run_id), str(position)],
        env=environment,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - only sets the death signal
    )
    locks = locks_for(sessions)
    while True:
        try:
            return child.wait(timeout=LEASE.total_seconds() / 3)
        except subprocess.TimeoutExpired:
            with sessions() as session:
                runs.renew(session, locks, run_id)


def _die_with_parent() -> None:
    """In the child: be killed when the worker that started it dies (Linux), so none outlives it."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def close(config: JobConfig, sessions: sessionmaker[Session], run_id: int) -> CrawlRun | None:
    """Close a run whose shards are all done (once), check it, verify, and notify if needed."""
    with sessions.begin() as session:
        run = runs.close_run(session, run_id)
        if run is None:
            return None
        check_run(session, run)
        ingest.count_misses(session, run)
    runs.release_run(locks_for(sessions), run)
    log.info("run %s of %s closed: %s", run.id, run.source_name, run.status)
    if run.status == "finished":
        _verify(sessions, everything=run.source_kind not in LISTING_KINDS)
    else:
        notify(run_event(run))
    return run


def _verify(sessions: sessionmaker[Session], *, everything: bool) -> None:
    """Re-verify what a run changed (or everything, after a licence source's run)."""
    from directory.licensing import verify_and_notify

    with sessions.begin() as session:
        verify_and_notify(session, date.today(), everything=everything)


def wait_for(config: JobConfig, run_ids: Sequence[int], timeout: float) -> list[CrawlRun]:
    """Wait until the runs are closed (by whichever workers crawl them); the closed runs."""
    deadline = time.monotonic() + timeout
    with database_sessions(config.database_url) as sessions:
        while True:
            with sessions() as session:
                closed = [
                    run
                    for run_id in run_ids
                    if (run := session.get(CrawlRun, run_id)) and run.finished_at is not None
                ]
            if len(closed) == len(run_ids) or time.monotonic() > deadline:
                return closed
            time.sleep(0.5)
