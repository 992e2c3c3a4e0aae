"""Runs planned as shards, and the per-source lock, on both databases with real transactions,
with the locks in the database and in Redis."""

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from directory import runs
from directory.db import make_engine, make_sessionmaker, upgrade
from directory.locks import DatabaseLocks, Locks, RedisLocks, locks_for
from directory.models import Clinic, Clinician, CrawlRun, Location
from directory.sources import Source
from directory.vocab import SourceKind

SITES = Source(
    name="sites",
    kind=SourceKind.CLINIC_SITES,
    urls=tuple(f"https://{n}.example/" for n in "abcde"),
    shard_size=2,
)
NPPES = Source(name="nppes", kind=SourceKind.NPPES_API, url="https://npi.example/", shard_size=1)


@pytest.fixture
def sessions(fresh_database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a new, migrated database whose transactions really commit."""
    engine = make_engine(fresh_database_url)
    upgrade(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


SHORT = timedelta(seconds=2)  # long enough for a busy machine to renew within it


LONG = timedelta(minutes=10)


@pytest.fixture(params=["database", "redis"])
def make_locks(request, sessions):
    """Locks of either kind with a given lease, on the test's database or a flushed Redis."""
    if request.param == "database":
        yield lambda lease=LONG: DatabaseLocks(sessions, lease)
        return
    redis_database = request.getfixturevalue("redis_database")
    redis_database.empty()
    yield lambda lease=LONG: RedisLocks(redis_database.client, lease)
    redis_database.empty()


@pytest.fixture
def locks(make_locks) -> Locks:
    """Locks of the kind under test, with the default ten-minute lease."""
    return make_locks()


def run_out() -> None:
    """Wait until a lease of `SHORT` has run out (Redis keeps time by itself: no clock tricks)."""
    time.sleep(SHORT.total_seconds() + 0.1)


def finish_all(sessions: sessionmaker[Session], run_id: int, status: str = "finished") -> None:
    with sessions.begin() as session:
        for position in runs.open_shards(session, run_id):
            runs.start_shard(session, run_id, position)
            runs.finish_shard(
                session,
                run_id,
                position,
                status=status,
                counts={"item_scraped_count": 2, "response_received_count": 3},
                errors=[f"shard {position} note"],
                error_count=0,
            )


def test_clinic_sites_are_split_into_batches(session):
    assert runs.plan_shards(session, SITES) == [
        {"urls": ["https://a.example/", "https://b.example/"]},
        {"urls": ["https://c.example/", "https://d.example/"]},
        {"urls": ["https://e.example/"]},
    ]


def test_registry_look_ups_are_split_by_state(session):
    for name, state, npi in [("Ann Lee", "TX", None), ("Bo Kim", "CO", None), ("Cy Po", "TX", "1")]:
        first, last = name.split()
        clinic = Clinic(key=name, name=name, modalities=[], conditions=[])
        clinic.locations = [Location(position=0, state=state)]
        clinic.clinicians = [
            Clinician(name=name, name_key=name, first_name=first, last_name=last, npi=npi)
        ]
        session.add(clinic)
    session.flush()
    parts = runs.plan_shards(session, NPPES)
    assert [(part["state"], len(part["lookups"])) for part in parts] == [
        (None, 1),  # by NPI
        ("CO", 1),
        ("TX", 1),
    ]
    assert runs.shard_lookups(parts[1])[0].last_name == "Kim"


def test_a_lock_has_one_owner_until_released(locks):
    assert locks.acquire("sites", "a")
    assert not locks.acquire("sites", "b")
    assert locks.owner("sites") == "a"
    assert locks.renew("sites", "a")
    assert not locks.renew("sites", "b")
    locks.release("sites", "b")  # not theirs: nothing happens
    assert locks.owner("sites") == "a"
    locks.release("sites", "a")
    assert locks.owner("sites") is None
    assert locks.acquire("sites", "b")
    assert locks.acquire("oig", "a")  # one lock per source


def test_a_lease_runs_out_unless_renewed(make_locks):
    locks = make_locks(SHORT)
    assert locks.acquire("sites", "a")
    time.sleep(1.2)
    assert locks.renew("sites", "a")  # a full lease again from here
    time.sleep(1.2)
    assert locks.owner("sites") == "a"
    assert not locks.acquire("sites", "b")
    run_out()
    assert locks.owner("sites") is None
    assert not locks.renew("sites", "a")
    assert locks.acquire("sites", "b")
    locks.release("sites", "a")  # the old owner's release leaves the new owner's lock alone
    assert locks.owner("sites") == "b"


def test_two_concurrent_attempts_start_one_run(sessions, locks):
    barrier = threading.Barrier(2)
    started: list[int | None] = []

    def attempt() -> None:
        barrier.wait()
        started.append(runs.begin_run(sessions, locks, SITES))

    threads = [threading.Thread(target=attempt) for _ in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (run_id,) = [found for found in started if found is not None]
    assert started.count(None) == 1
    assert runs.begin_run(sessions, locks, SITES) is None  # still held
    with sessions() as session:  # the attempt that lost left no run behind
        assert session.scalars(select(CrawlRun.id)).all() == [run_id]
        assert session.get(CrawlRun, run_id).status == "running"


def test_the_last_shard_closes_the_run_once_and_the_lock_is_released(sessions, locks):
    run_id = runs.begin_run(sessions, locks, SITES)
    assert run_id is not None
    assert locks.owner("sites") == runs.run_owner(run_id)
    with sessions.begin() as session:
        assert runs.close_run(session, run_id) is None  # shards still open
    finish_all(sessions, run_id)
    with sessions.begin() as session:
        run = runs.close_run(session, run_id)
        assert run is not None
        assert run.status == "finished"
        assert run.counts == {"item_scraped_count": 6, "response_received_count": 9}
        assert run.errors == ["shard 0 note", "shard 1 note", "shard 2 note"]
    runs.release_run(locks, run)
    with sessions.begin() as session:
        assert runs.close_run(session, run_id) is None  # closed already
    assert locks.owner("sites") is None
    assert runs.begin_run(sessions, locks, SITES) == run_id + 1


def test_a_failed_shard_fails_the_run(sessions, locks):
    run_id = runs.begin_run(sessions, locks, SITES)
    assert run_id is not None
    finish_all(sessions, run_id, status="failed")
    with sessions.begin() as session:
        run = runs.close_run(session, run_id)
        assert run is not None
        assert run.status == "failed"
        assert run.errors[0] == "shard 0, 1, 2 failed"


def test_a_run_whose_lease_ran_out_is_resumed_not_started_again(sessions, make_locks):
    locks = make_locks(SHORT)
    run_id = runs.begin_run(sessions, locks, SITES)
    assert run_id is not None
    with sessions.begin() as session:
        runs.start_shard(session, run_id, 0)
    with sessions() as session:
        assert runs.renew(session, locks, run_id)
        assert runs.abandoned(session, locks) == []
    assert runs.begin_run(sessions, locks, SITES) is None
    run_out()
    with sessions() as session:
        assert runs.abandoned(session, locks) == ["sites"]
    assert runs.begin_run(sessions, locks, SITES) == run_id  # the same run, not a new one
    assert locks.owner("sites") == runs.run_owner(run_id)
    with sessions() as session:
        assert runs.open_shards(session, run_id) == [0, 1, 2]
        assert session.get(CrawlRun, run_id).shards[0].attempts == 1
        assert runs.abandoned(session, locks) == []


class EndingRun:
    """Locks through which a run's crawler closes the run the moment its lock is looked at."""

    def __init__(self, locks: Locks, sessions: sessionmaker[Session], run_id: int) -> None:
        self.locks, self.sessions, self.run_id = locks, sessions, run_id

    def owner(self, name: str) -> str | None:
        if self.run_id is not None:
            finish_all(self.sessions, self.run_id)
            with self.sessions.begin() as session:
                run = runs.close_run(session, self.run_id)
            assert run is not None
            runs.release_run(self.locks, run)
            self.run_id = None
        return self.locks.owner(name)


def test_a_run_that_ends_while_runs_are_looked_over_is_not_abandoned(sessions, locks):
    run_id = runs.begin_run(sessions, locks, SITES)
    assert run_id is not None
    with sessions() as session:
        assert runs.abandoned(session, EndingRun(locks, sessions, run_id)) == []
    with sessions() as session:
        assert session.get(CrawlRun, run_id).status == "finished"


def test_a_crawl_outside_planned_runs_holds_the_lock_too(sessions, locks):
    oig = Source(name="oig", kind=SourceKind.LEIE_CSV, url="https://oig.example/")
    assert runs.hold(locks, ["sites", "oig"], "manual") == []
    assert runs.begin_run(sessions, locks, SITES) is None
    assert runs.hold(locks, ["oig"], "another") == ["oig"]
    for name in ("sites", "oig"):
        locks.release(name, "manual")
    run_id = runs.begin_run(sessions, locks, oig)
    assert run_id is not None
    assert runs.hold(locks, ["sites", "oig"], "manual") == ["oig"]
    assert locks.owner("sites") is None  # nothing taken when anything is busy
    assert runs.hold(locks, ["oig"], "manual", alive=lambda holder: False) == ["oig"]  # a run's


def test_a_stale_manual_lock_is_taken_over(sessions, make_locks):
    locks = make_locks(SHORT)
    assert runs.hold(locks, ["sites"], "died") == []
    run_out()
    with sessions() as session:
        assert runs.abandoned(session, locks) == []  # no planned run to resume
    assert runs.hold(locks, ["sites"], "manual") == []
    assert locks.owner("sites") == "manual"


def test_a_manual_lock_whose_holder_is_gone_is_taken_over_before_its_lease_runs_out(locks):
    assert runs.hold(locks, ["sites"], "host:1") == []
    assert runs.hold(locks, ["sites"], "host:2", alive=lambda holder: True) == ["sites"]
    assert runs.hold(locks, ["sites"], "host:2", alive=lambda holder: holder != "host:1") == []
    assert locks.owner("sites") == "host:2"


def test_the_locks_live_where_configured(sessions, monkeypatch, redis_database):
    monkeypatch.delenv("CLINICS_LOCKS", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(locks_for(sessions), DatabaseLocks)
    monkeypatch.setenv("REDIS_URL", redis_database.url)
    assert isinstance(locks_for(sessions), RedisLocks)  # with the queue, by default
    monkeypatch.setenv("CLINICS_LOCKS", "database")
    assert isinstance(locks_for(sessions), DatabaseLocks)
    monkeypatch.setenv("CLINICS_LOCKS", "postgres://elsewhere")
    with pytest.raises(ValueError, match="CLINICS_LOCKS"):
        locks_for(sessions)


def queue_all(sessions: sessionmaker[Session], run_id: int) -> None:
    with sessions.begin() as session:
        for position in runs.open_shards(session, run_id):
            runs.mark_queued(session, run_id, position)


def test_a_run_whose_shards_wait_in_the_queue_keeps_its_lease_past_its_term(sessions, make_locks):
    locks = make_locks(SHORT)
    run_id = runs.begin_run(sessions, locks, SITES)
    assert run_id is not None
    queue_all(sessions, run_id)
    for _ in range(5):  # 1.5 leases with no shard crawled, as a worker's keeper renews
        time.sleep(0.6)
        with sessions() as session:
            assert runs.renew_queued(session, locks) == [run_id]
    assert runs.begin_run(sessions, locks, SITES) is None  # a second run is refused
    with sessions() as session:
        assert runs.abandoned(session, locks) == []
        assert session.scalars(select(CrawlRun.id)).all() == [run_id]
    with sessions.begin() as session:  # a worker takes a shard: still kept
        runs.start_shard(session, run_id, 0)
    with sessions() as session:
        assert runs.renew_queued(session, locks) == [run_id]


def test_a_run_with_a_shard_that_never_reached_the_queue_is_left_to_be_resumed(
    sessions, make_locks
):
    locks = make_locks(SHORT)
    run_id = runs.begin_run(sessions, locks, SITES)
    assert run_id is not None
    with sessions.begin() as session:  # the dispatcher died after queueing one shard
        runs.mark_queued(session, run_id, 0)
    with sessions() as session:
        assert runs.renew_queued(session, locks) == []
    run_out()
    assert runs.begin_run(sessions, locks, SITES) == run_id  # resumed


def test_a_shard_taken_by_a_worker_stays_taken_when_its_queueing_is_recorded(sessions, locks):
    run_id = runs.begin_run(sessions, locks, SITES)
    with sessions.begin() as session:
        runs.start_shard(session, run_id, 0)
        runs.mark_queued(session, run_id, 0)
        runs.mark_queued(session, run_id, 1)
    with sessions() as session:
        assert [shard.status for shard in session.get(CrawlRun, run_id).shards] == [
            "running",
            "queued",
            "pending",
        ]


def test_a_one_process_crawl_left_running_is_neither_resumed_nor_abandoned(sessions, locks):
    with sessions.begin() as session:  # `clinics crawl` killed mid-crawl: no shards, no lock
        session.add(CrawlRun(source_name="sites", source_kind="clinic_sites", counts={}, errors=[]))
    with sessions() as session:
        assert runs.abandoned(session, locks) == []
    run_id = runs.begin_run(sessions, locks, SITES)
    with sessions() as session:
        assert len(session.get(CrawlRun, run_id).shards) == 3  # a new, planned run
