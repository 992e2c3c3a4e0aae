"""The lock that keeps two crawls of one source apart, across machines: in the database, or in
Redis when configured.

A lock is a lease on a source's name held by one owner (a planned run, `run:<id>`, or a crawl
process, `<host>:<pid>`) until it is released or runs out unrenewed. Whoever knows the owner may
renew or release it, so the workers crawling a run's shards renew the run's lease. Redis holds
it with redis-py's `Lock` (a key with a timeout, set only if absent, changed only by its token).

`CLINICS_LOCKS` chooses where: a `redis://` URL, or `database`; unset, the locks follow
`REDIS_URL` when it is set (one Redis for the queue and the locks), else the database.
"""

import os
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import redis
from redis.exceptions import LockError
from redis.lock import Lock
from sqlalchemy import CursorResult, Executable, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from directory.models import CrawlLock, utcnow

LEASE = timedelta(seconds=float(os.environ.get("CLINICS_LOCK_LEASE", "600")))
"""How long a lock holds without renewal; its holders renew it every third of this."""
REDIS_PREFIX = "clinics:lock:"


class Locks(Protocol):
    """Leases on source names, each held by one owner at a time."""

    def acquire(self, name: str, owner: str) -> bool:
        """Take the lock if it is free or its lease ran out; whether the owner now holds it."""

    def renew(self, name: str, owner: str) -> bool:
        """Extend the owner's lease by a full term; False when the owner no longer holds it."""

    def release(self, name: str, owner: str) -> None:
        """Give the lock back, if the owner still holds it."""

    def owner(self, name: str) -> str | None:
        """Who holds the lock now, or None when it is free (or its lease ran out)."""


class DatabaseLocks:
    """Locks as rows of `crawl_locks`, one per source, taken by a unique insert."""

    def __init__(self, sessions: sessionmaker[Session], lease: timedelta = LEASE) -> None:
        self.sessions = sessions
        self.lease = lease

    def acquire(self, name: str, owner: str) -> bool:
        """Insert the row, or take over one whose lease ran out."""
        try:
            with self.sessions.begin() as session:
                session.add(CrawlLock(source_name=name, holder=owner, expires_at=self._expiry()))
            return True
        except IntegrityError:
            pass  # held, or left behind by a holder that died
        return self._changed(
            update(CrawlLock)
            .where(CrawlLock.source_name == name, CrawlLock.expires_at < utcnow())
            .values(holder=owner, expires_at=self._expiry())
        )

    def renew(self, name: str, owner: str) -> bool:
        """Move the row's expiry on, if the owner still holds it (a lease that ran out is lost)."""
        return self._changed(
            update(CrawlLock)
            .where(CrawlLock.source_name == name, CrawlLock.holder == owner)
            .where(CrawlLock.expires_at >= utcnow())
            .values(expires_at=self._expiry())
        )

    def release(self, name: str, owner: str) -> None:
        """Delete the row, if the owner still holds it."""
        self._changed(
            delete(CrawlLock).where(CrawlLock.source_name == name, CrawlLock.holder == owner)
        )

    def owner(self, name: str) -> str | None:
        """The row's holder while its lease lasts."""
        with self.sessions() as session:
            return session.scalar(
                select(CrawlLock.holder).where(
                    CrawlLock.source_name == name, CrawlLock.expires_at >= utcnow()
                )
            )

    def _expiry(self) -> datetime:
        return utcnow() + self.lease

    def _changed(self, statement: Executable) -> bool:
        """Run an UPDATE or DELETE in a transaction of its own; whether it changed one row."""
        with self.sessions.begin() as session:
            return cast(CursorResult[Any], session.execute(statement)).rowcount == 1


class RedisLocks:
    """Locks as Redis keys with a timeout, through redis-py's `Lock` with the owner as token."""

    def __init__(self, client: redis.Redis, lease: timedelta = LEASE) -> None:
        self.client = client
        self.lease = lease

    @classmethod
    def from_url(cls, url: str, lease: timedelta = LEASE) -> "RedisLocks":
        """Locks on the Redis server at `url`."""
        return cls(redis.Redis.from_url(url), lease)

    def acquire(self, name: str, owner: str) -> bool:
        """SET the key if absent (Redis drops it when its lease runs out)."""
        return bool(self._lock(name).acquire(blocking=False, token=owner))

    def renew(self, name: str, owner: str) -> bool:
        """Reset the key's timeout to a full lease, if it still holds the owner's token."""
        try:
            return self._lock(name, owner).reacquire()
        except LockError:  # not held, or by someone else
            return False

    def release(self, name: str, owner: str) -> None:
        """Delete the key, if it still holds the owner's token."""
        with suppress(LockError):  # gone already, or taken over after its lease ran out
            self._lock(name, owner).release()

    def owner(self, name: str) -> str | None:
        """The token the key holds."""
        value = self.client.get(REDIS_PREFIX + name)
        return value.decode() if isinstance(value, bytes) else None

    def _lock(self, name: str, owner: str | None = None) -> Lock:
        """redis-py's lock on a source, acting for `owner` (whose token it then holds)."""
        lock = Lock(
            self.client, REDIS_PREFIX + name, timeout=self.lease.total_seconds(), thread_local=False
        )
        if owner is not None:
            # The token is how redis-py tells holders apart; any process may act for an owner.
            lock.local.token = owner.encode()
        return lock


def locks_for(sessions: sessionmaker[Session]) -> Locks:
    """The configured locks (see the module's docstring)."""
    where = os.environ.get("CLINICS_LOCKS") or os.environ.get("REDIS_URL") or "database"
    if where == "database":
        return DatabaseLocks(sessions)
    if where.startswith(("redis://", "rediss://", "unix://")):
        return RedisLocks.from_url(where)
    raise ValueError(f"CLINICS_LOCKS: give a redis:// URL or 'database', not {where!r}")
