"""Crawl runs split into shards, and the lock that keeps two runs of one source apart.

A run of a source is planned as shards (clinic sites in batches, registry look-ups by state), which
any number of processes on any machines may crawl. The lock is a row per source in the database,
held by one run under a lease that its shards renew while they crawl; a lease that ran out means
its holder died, and the next attempt resumes that run instead of starting another. The process
that records the last shard closes the run, exactly once.
"""

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from directory.ingest import MAX_RUN_ERRORS
from directory.licensing.lookups import ClinicianLookup, clinician_lookups
from directory.models import CrawlLock, CrawlRun, CrawlShard, utcnow
from directory.sources import Source
from directory.vocab import SourceKind

LEASE = timedelta(seconds=float(os.environ.get("CLINICS_LOCK_LEASE", "600")))
"""How long a lock holds without renewal; shards renew it every third of this while crawling."""

DONE = frozenset({"finished", "failed"})
"""Shard statuses that end a shard."""


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


def begin_run(sessions: sessionmaker[Session], source: Source, holder: str) -> int | None:
    """Take the source's lock and plan a run; the id of the run to crawl, or None if one is on.

    A lock whose lease ran out is taken over, and the run it held is resumed if still open.
    """
    try:
        with sessions.begin() as session:
            session.add(CrawlLock(source_name=source.name, holder=holder, expires_at=_expiry()))
            session.flush()
            return _new_run(session, source)
    except IntegrityError:
        pass  # held: perhaps by a run whose holder died
    with sessions.begin() as session:
        taken = _changed(
            session,
            update(CrawlLock)
            .where(CrawlLock.source_name == source.name, CrawlLock.expires_at < utcnow())
            .values(holder=holder, expires_at=_expiry()),
        )
        if taken != 1:
            return None
        lock = session.get(CrawlLock, source.name)
        assert lock is not None  # noqa: S101 - we just updated it
        held = session.get(CrawlRun, lock.run_id) if lock.run_id is not None else None
        if held is not None and held.finished_at is None:
            return held.id
        return _new_run(session, source)


def _new_run(session: Session, source: Source) -> int:
    """A new run of the source with its planned shards, recorded as the lock's holder."""
    run = CrawlRun(source_name=source.name, source_kind=source.kind.value, counts={}, errors=[])
    run.shards = [
        CrawlShard(position=position, part=part, counts={}, errors=[])
        for position, part in enumerate(plan_shards(session, source))
    ]
    session.add(run)
    session.flush()
    session.execute(
        update(CrawlLock).where(CrawlLock.source_name == source.name).values(run_id=run.id)
    )
    return run.id


def _changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it changed."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def _expiry() -> datetime:
    """When a lease taken or renewed now runs out."""
    return utcnow() + LEASE


def hold(
    sessions: sessionmaker[Session],
    names: Sequence[str],
    holder: str,
    alive: Callable[[str], bool] = lambda _holder: True,
) -> list[str]:
    """Lock sources for a crawl outside planned runs; the names someone else holds (none taken).

    A lock of this kind is taken over when its lease ran out or when `alive` says its holder is
    gone (a crawl killed on this machine need not wait out its lease); one held by a planned run
    is not.
    """
    busy = [name for name in names if not _take(sessions, name, holder, alive)]
    if busy:
        with sessions.begin() as session:
            release(session, holder)
    return busy


def _take(
    sessions: sessionmaker[Session], name: str, holder: str, alive: Callable[[str], bool]
) -> bool:
    """Take one source's lock for a holder without a planned run."""
    try:
        with sessions.begin() as session:
            session.add(CrawlLock(source_name=name, holder=holder, expires_at=_expiry()))
        return True
    except IntegrityError:
        pass
    with sessions.begin() as session:
        lock = session.get(CrawlLock, name)
        if lock is None or lock.run_id is not None:
            return False
        if lock.expires_at >= utcnow() and alive(lock.holder):
            return False
        # Only if nobody took it over meanwhile: the holder we judged is still the holder.
        statement = (
            update(CrawlLock)
            .where(CrawlLock.source_name == name, CrawlLock.holder == lock.holder)
            .where(CrawlLock.run_id.is_(None))
            .values(holder=holder, expires_at=_expiry())
        )
        return _changed(session, statement) == 1


def renew_held(session: Session, holder: str) -> None:
    """Extend the leases of the locks a holder took with `hold`."""
    session.execute(
        update(CrawlLock).where(CrawlLock.holder == holder).values(expires_at=_expiry())
    )


def release(session: Session, holder: str) -> None:
    """Give back the locks a holder took with `hold`."""
    session.execute(delete(CrawlLock).where(CrawlLock.holder == holder, CrawlLock.run_id.is_(None)))


def abandoned(session: Session) -> list[str]:
    """Sources whose lock's lease ran out: their run's holder died, and the run awaits resuming."""
    return list(
        session.scalars(
            select(CrawlLock.source_name)
            .where(CrawlLock.expires_at < utcnow(), CrawlLock.run_id.is_not(None))
            .order_by(CrawlLock.source_name)
        )
    )


def renew(session: Session, run_id: int) -> bool:
    """Extend the lease of the lock a run holds; False when the run no longer holds it."""
    statement = update(CrawlLock).where(CrawlLock.run_id == run_id).values(expires_at=_expiry())
    return _changed(session, statement) == 1


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
    """Sum up a run whose shards are all done and release its lock; None if not (or not here).

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
    session.execute(delete(CrawlLock).where(CrawlLock.run_id == run_id))
    session.flush()
    return run
