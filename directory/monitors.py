"""Monitors: compare a finished crawl run with the previous successful run of the same source.

A run whose items or pages fall sharply, whose error rate climbs, or whose items suddenly lack a
field they used to carry (a site redesign) is marked `suspect`: what it stored is kept, but it is
not a successful run, so nothing is verified, downgraded or marked closed because of it. A run
that retrieved nothing and met failures is `failed`. Thresholds come from the environment.
"""

import os
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import CrawlRun
from directory.notify import Event

ITEM_DROP = float(os.environ.get("CLINICS_MONITOR_ITEM_DROP", "0.3"))
"""A fall in items by more than this share of the previous run's is suspect."""
PAGE_DROP = float(os.environ.get("CLINICS_MONITOR_PAGE_DROP", "0.5"))
"""A fall in pages fetched by more than this share is suspect."""
ERROR_RATE = float(os.environ.get("CLINICS_MONITOR_ERROR_RATE", "0.2"))
"""Failures per page fetched above this (and above the previous run's) are suspect."""
FIELD_SHARE = 0.5
"""A field on at least this share of the previous run's items ..."""
FIELD_GONE = 0.1
"""... and now on fewer than this share of them has gone missing."""


def failures(counts: Mapping[str, int], error_count: int) -> int:
    """Errors and pages that could not be fetched in the end (retries that worked don't count)."""
    return error_count + counts.get("skipped/download_failed", 0)


def findings(run: CrawlRun, previous: CrawlRun | None) -> list[str]:
    """What looks wrong about a run, compared with the previous successful one."""
    items = run.counts.get("item_scraped_count", 0)
    pages = run.counts.get("response_received_count", 0)
    failed = failures(run.counts, run.error_count)
    skipped = sum(value for key, value in run.counts.items() if key.startswith("skipped/"))
    if items == 0 and (run.error_count or skipped):
        return [f"nothing retrieved: {run.error_count + skipped} error(s) or skip(s)"]
    if previous is None:
        return []
    found = []
    items_before = previous.counts.get("item_scraped_count", 0)
    if items_before and items < items_before * (1 - ITEM_DROP):
        found.append(f"items fell from {items_before} to {items}")
    pages_before = previous.counts.get("response_received_count", 0)
    if pages_before and pages < pages_before * (1 - PAGE_DROP):
        found.append(f"pages fetched fell from {pages_before} to {pages}")
    rate = failed / max(pages, 1)
    rate_before = failures(previous.counts, previous.error_count) / max(pages_before, 1)
    if rate > ERROR_RATE and rate > rate_before:
        found.append(f"error rate rose from {rate_before:.0%} to {rate:.0%}")
    for key, count in sorted(previous.counts.items()):
        if not key.startswith("fields/") or not items_before or not items:
            continue
        share_before, share = count / items_before, run.counts.get(key, 0) / items
        if share_before >= FIELD_SHARE and share < FIELD_GONE:
            name = key.removeprefix("fields/")
            found.append(f"field {name} missing: on {share:.0%} of items, was {share_before:.0%}")
    return found


def previous_success(session: Session, run: CrawlRun) -> CrawlRun | None:
    """The newest successful run of the same source before this one."""
    return session.scalars(
        select(CrawlRun)
        .where(
            CrawlRun.source_name == run.source_name,
            CrawlRun.status == "finished",
            CrawlRun.id < run.id,
        )
        .order_by(CrawlRun.id.desc())
        .limit(1)
    ).first()


def check_run(session: Session, run: CrawlRun) -> list[str]:
    """Store a finished run's findings; one with findings becomes `suspect` (or `failed`)."""
    found = findings(run, previous_success(session, run))
    run.findings = found
    if run.status == "finished" and found:
        retrieved = run.counts.get("item_scraped_count", 0) > 0
        run.status = "suspect" if retrieved else "failed"
    session.flush()
    return found


def run_event(run: CrawlRun) -> Event:
    """The notification about a run that is suspect or failed."""
    return Event(
        kind=f"crawl_{run.status}",
        subject=f"crawl run {run.id} of {run.source_name} is {run.status}",
        details={
            "run_id": run.id,
            "source": run.source_name,
            "status": run.status,
            "findings": list(run.findings),
            "errors": list(run.errors[:20]),
            "counts": dict(run.counts),
        },
    )
