"""Crawl runs split into shards, and how they hold the lock that keeps two runs of a source apart.

A run of a source is planned as shards (clinic sites in batches, registry look-ups by state), which
any number of processes on any machines may crawl. The run holds its source's lock
(`directory.locks`, in the database or in Redis) under a lease that is renewed while its shards
are crawled or wait in the queue; a lease that ran out means its crawlers died, and the next
attempt resumes that run instead of starting another. The process that records the last shard
closes the run, exactly once.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from directory.ingest import MAX_RUN_ERRORS
from directory.licensing.lookups import ClinicianLookup, clinician_lookups
from directory.locks import Locks
from directory.models import CrawlRun, CrawlShard, utcnow
from directory.sources import Source
from directory.vocab import SourceKind

DONE = frozenset({"finished", "failed"})
"""Shard statuses that end a shard."""
QUEUED = frozenset({"queued", "running"})
"""Shard statuses of a shard that a worker has or will take (from the Celery queue)."""


def plan_shards(session: Session, source: Source) -> list[dict[str, Any]]:
    """How a run is split: clinic sites in batches, registry look-ups by state, else one shard."""
    size = source.shard_size
    if source.kind is SourceKind.CLINIC_SITES:
        return [{"urls": list(batch)} for batch in _batches(source.urls, size)]
    if source.kind is SourceKind.NPPES_API:
        by_state: dict[str, list[dict[str, Any]]] = {}
        for lookup in clinician_lookups(session):
            by_state.setdefault(lookup.state or "", []).append(asdict(lookup))
        parts = [
            {"state": state or None, "lookups": list(batch)}
            for state in sorted(by_state)
            for batch in _batches(by_state[state], size)
        ]
        return parts or [{"state": None, "lookups": []}]
    return [{}]


def shard_lookups(part: Mapping[str, Any]) -> list[ClinicianLookup]:
    """The registry look-ups a shard's part lists."""
    return [ClinicianLookup(**entry) for entry in part.get("lookups", [])]


def _batches(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` values."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


_planned_and_open = (CrawlRun.status == "running") & CrawlRun.shards.any()
"""A run planned in shards (not a one-process crawl's) that holds its lock and is not closed."""


def run_owner(run_id: int) -> str:
    """The owner of the lock a planned run holds."""
    return f"run:{run_id}"


def begin_run(sessions: sessionmaker[Session], locks: Locks, source: Source) -> int | None:
    """Take the source's lock and plan a run; the id of the run to crawl, or None if one is on.

    An open run whose lease ran out (its crawlers died) is resumed rather than a new one planned.
    A new run is planned first and takes the lock under its own id: if another attempt took the
    lock meanwhile, the plan is dropped. Until it holds the lock it is only `planned`, which
    nothing resumes.
    """
    with sessions() as session:
        held = session.scalars(
            select(CrawlRun.id)
            .where(CrawlRun.source_name == source.name, _planned_and_open)
            .order_by(CrawlRun.id.desc())
        ).first()
    if held is not None:
        return held if locks.acquire(source.name, run_owner(held)) else None
    with sessions.begin() as session:
        run_id = _plan_run(session, source)
    if not locks.acquire(source.name, run_owner(run_id)):
        with sessions.begin() as session:
            session.execute(delete(CrawlRun).where(CrawlRun.id == run_id))
        return None
    with sessions.begin() as session:
        session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(status="running"))
    return run_id


def _plan_run(session: Session, source: Source) -> int:
    """A new run of the source with its planned shards, not yet holding the lock."""
    run = CrawlRun(
        source_name=source.name,
        source_kind=source.kind.value,
        status="planned",
        counts={},
        errors=[],
    )
    run.shards = [
        CrawlShard(position=position, part=part, counts={}, errors=[])
        for position, part in enumerate(plan_shards(session, source))
    ]
    session.add(run)
    session.flush()
    return run.id


def hold(
    locks: Locks,
    names: Sequence[str],
    holder: str,
    alive: Callable[[str], bool] = lambda _holder: True,
) -> list[str]:
    """Lock sources for a crawl outside planned runs; the names someone else holds (none taken).

    A lock of this kind is taken over when its lease ran out or when `alive` says its holder is
    gone (a crawl killed on this machine need not wait out its lease); one held by a planned run
    is not.
    """
    taken: list[str] = []
    busy: list[str] = []
    for name in names:
        (taken if _take(locks, name, holder, alive) else busy).append(name)
    if busy:
        for name in taken:
            locks.release(name, holder)
    return busy


def _take(locks: Locks, name: str, holder: str, alive: Callable[[str], bool]) -> bool:
    """Take one source's lock for a holder without a planned run."""
    if locks.acquire(name, holder):
        return True
    previous = locks.owner(name)
    if previous is None or previous.startswith("run:") or alive(previous):
        return False
    locks.release(name, previous)  # only if it is still theirs; then the lock is free to take
    return locks.acquire(name, holder)


def abandoned(session: Session, locks: Locks) -> list[str]:
    """Sources with an open run that holds no lock: its crawlers died, and it awaits resuming.

    A run that ends gives its lock back only once its end is recorded, so the runs seen without
    their lock are read again: one that ended meanwhile is not taken for abandoned (resuming it
    would plan a new run).
    """
    open_runs = session.execute(
        select(CrawlRun.id, CrawlRun.source_name).where(_planned_and_open)
    ).all()
    unheld = [run_id for run_id, name in open_runs if locks.owner(name) != run_owner(run_id)]
    if not unheld:
        return []
    still_open = select(CrawlRun.source_name).where(_planned_and_open, CrawlRun.id.in_(unheld))
    return sorted(set(session.scalars(still_open)))


def renew(session: Session, locks: Locks, run_id: int) -> bool:
    """Extend the lease of the lock a run holds; False when the run no longer holds it."""
    name = session.scalar(select(CrawlRun.source_name).where(CrawlRun.id == run_id))
    return name is not None and locks.renew(name, run_owner(run_id))


def mark_queued(session: Session, run_id: int, position: int) -> None:
    """Record that a shard waits in the queue (unless a worker took it already)."""
    session.execute(
        update(CrawlShard)
        .where(CrawlShard.run_id == run_id, CrawlShard.position == position)
        .where(CrawlShard.status == "pending")
        .values(status="queued")
    )


def renew_queued(session: Session, locks: Locks) -> list[int]:
    """Renew the leases of runs whose unfinished shards are all queued or being crawled; the runs.

    Shards may wait in the queue longer than a lease with nobody crawling them, so the processes
    that will crawl them (workers, the scheduler) keep their run's lease. A run with a shard that
    never reached the queue (its dispatcher died) is left to run out and be resumed.
    """
    unfinished = session.execute(
        select(CrawlRun.id, CrawlRun.source_name, CrawlShard.status)
        .join(CrawlShard)
        .where(CrawlRun.status == "running", CrawlShard.status.not_in(DONE))
    ).all()
    waiting = {(run_id, name) for run_id, name, _status in unfinished}
    stranded = {run_id for run_id, _name, status in unfinished if status not in QUEUED}
    return sorted(
        run_id
        for run_id, name in waiting
        if run_id not in stranded and locks.renew(name, run_owner(run_id))
    )


def release_run(locks: Locks, run: CrawlRun) -> None:
    """Give back the lock of a run that was closed."""
    locks.release(run.source_name, run_owner(run.id))


def _changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it changed."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def open_shards(session: Session, run_id: int) -> list[int]:
    """The positions of a run's shards still to crawl."""
    return list(
        session.scalars(
            select(CrawlShard.position)
            .where(CrawlShard.run_id == run_id, CrawlShard.status.not_in(DONE))
            .order_by(CrawlShard.position)
        )
    )


def get_shard(session: Session, run_id: int, position: int) -> CrawlShard:
    """One shard of a run."""
    return session.scalars(
        select(CrawlShard).where(CrawlShard.run_id == run_id, CrawlShard.position == position)
    ).one()


def start_shard(session: Session, run_id: int, position: int) -> CrawlShard | None:
    """Mark a shard as being crawled (once more); None when it is already done."""
    shard = get_shard(session, run_id, position)
    if shard.status in DONE:
        return None
    shard.status = "running"
    shard.attempts += 1
    shard.started_at = utcnow()
    session.flush()
    return shard


def finish_shard(
    session: Session,
    run_id: int,
    position: int,
    *,
    status: str,
    counts: Mapping[str, int],
    errors: list[str],
    error_count: int,
) -> None:
    """Record how a shard's crawl ended."""
    shard = get_shard(session, run_id, position)
    shard.status = status
    shard.counts = dict(sorted(counts.items()))
    shard.errors = errors
    shard.error_count = error_count
    shard.finished_at = utcnow()
    session.flush()


def close_run(session: Session, run_id: int) -> CrawlRun | None:
    """Sum up a run whose shards are all done; None if not (or not here). Once committed, the
    caller releases its lock (`release_run`).

    Only one caller can close a run: the status moves from running to closing atomically.
    """
    if open_shards(session, run_id):
        return None
    claimed = _changed(
        session,
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status == "running")
        .values(status="closing"),
    )
    if claimed != 1:
        return None
    run = session.get(CrawlRun, run_id)
    assert run is not None  # noqa: S101 - we just updated it
    session.refresh(run)
    counts: dict[str, int] = {}
    for shard in run.shards:
        for key, value in shard.counts.items():
            counts[key] = counts.get(key, 0) + int(value)
    run.counts = dict(sorted(counts.items()))
    run.errors = [error for shard in run.shards for error in shard.errors][:MAX_RUN_ERRORS]
    run.error_count = sum(shard.error_count for shard in run.shards)
    failed = [shard.position for shard in run.shards if shard.status == "failed"]
    run.status = "failed" if failed else "finished"
    if failed:
        run.errors = [f"shard {', '.join(map(str, failed))} failed", *run.errors][:MAX_RUN_ERRORS]
    run.finished_at = utcnow()
    session.flush()
    return run
