"""The Celery application: crawl jobs on Redis, for `clinics worker` on any number of machines.

Each worker keeps the leases of runs whose shards wait in the queue (`directory.runs`), so a long
queue does not make a run look abandoned while a worker is alive to crawl it. Tasks are
acknowledged late and rejected when their worker is lost, so a shard whose worker dies
is delivered again (to another worker once the broker's visibility timeout has passed); ingest's
idempotence keeps a shard crawled twice from storing anything twice.
"""

import os
import threading
from typing import Any

from celery import Celery, Task
from celery.signals import worker_ready, worker_shutdown

from crawler.jobs import RETRY_BACKOFF, JobConfig, keep_queued_leases
from crawler.jobs import crawl_shard as crawl_shard_here
from directory.locks import LEASE

VISIBILITY_TIMEOUT = int(os.environ.get("CLINICS_VISIBILITY_TIMEOUT", "3600"))
"""Seconds before a task a worker took but never acknowledged goes to another worker.

It must be longer than the longest shard takes, or a running shard is started a second time.
"""

app = Celery("clinics", broker=os.environ.get("REDIS_URL"), set_as_current=True)
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_default_queue="crawls",
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    broker_transport_options={
        "visibility_timeout": VISIBILITY_TIMEOUT,
        # Look for tasks of lost workers ten times per timeout.
        "unacked_restore_interval": max(1, VISIBILITY_TIMEOUT // 10),
        "unacked_restore_throttle": 1,
    },
    task_ignore_result=True,
)


@app.task(bind=True, name="clinics.crawl_shard", max_retries=None)
def crawl_shard(task: Task, run_id: int, position: int) -> None:  # type: ignore[type-arg]
    """Crawl one shard of a run in a process of its own; close the run if it was the last."""
    if not crawl_shard_here(JobConfig.from_environment(), run_id, position):
        raise task.retry(countdown=RETRY_BACKOFF * 2**task.request.retries)


_stopping = threading.Event()


@worker_ready.connect
def _start_keeping_leases(**_: Any) -> None:
    """While this worker lives, renew the leases of runs whose shards wait in the queue."""

    def keep() -> None:
        while not _stopping.wait(LEASE.total_seconds() / 3):
            keep_queued_leases(JobConfig.from_environment())

    threading.Thread(target=keep, name="lease-keeper", daemon=True).start()


@worker_shutdown.connect
def _stop_keeping_leases(**_: Any) -> None:
    _stopping.set()
