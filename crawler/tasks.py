"""The Celery application: crawl jobs on Redis, for `clinics worker` on any number of machines.

Tasks are acknowledged late and rejected when their worker is lost, so a shard whose worker dies
is delivered again (to another worker once the broker's visibility timeout has passed); ingest's
idempotence keeps a shard crawled twice from storing anything twice.
"""

import os

from celery import Celery, Task

from crawler.jobs import RETRY_BACKOFF, JobConfig
from crawler.jobs import crawl_shard as crawl_shard_here

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
