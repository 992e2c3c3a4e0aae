"""Runs planned as shards, and the per-source lock, on both databases with real transactions."""

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from directory import runs
from directory.db import make_engine, make_sessionmaker, upgrade
from directory.models import Clinic, Clinician, CrawlLock, CrawlRun, Location, utcnow
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


def test_two_concurrent_attempts_start_one_run(sessions):
    barrier = threading.Barrier(2)
    started: list[int | None] = []

    def attempt(holder: str) -> None:
        barrier.wait()
        started.append(runs.begin_run(sessions, SITES, holder))

    threads = [threading.Thread(target=attempt, args=(f"host-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(started, key=str) == [1, None]
    assert runs.begin_run(sessions, SITES, "host-3") is None  # still held


def test_the_last_shard_closes_the_run_once_and_releases_the_lock(sessions):
    run_id = runs.begin_run(sessions, SITES, "here")
    assert run_id is not None
    with sessions.begin() as session:
        assert runs.close_run(session, run_id) is None  # shards still open
    finish_all(sessions, run_id)
    with sessions.begin() as session:
        run = runs.close_run(session, run_id)
        assert run is not None
        assert run.status == "finished"
        assert run.counts == {"item_scraped_count": 6, "response_received_count": 9}
        assert run.errors == ["shard 0 note", "shard 1 note", "shard 2 note"]
    with sessions.begin() as session:
        assert runs.close_run(session, run_id) is None  # closed already
        assert session.get(CrawlLock, "sites") is None
    assert runs.begin_run(sessions, SITES, "here") == run_id + 1


def test_a_failed_shard_fails_the_run(sessions):
    run_id = runs.begin_run(sessions, SITES, "here")
    assert run_id is not None
    finish_all(sessions, run_id, status="failed")
    with sessions.begin() as session:
        run = runs.close_run(session, run_id)
        assert run is not None
        assert run.status == "failed"
        assert run.errors[0] == "shard 0, 1, 2 failed"


def test_a_lock_whose_lease_ran_out_is_taken_over_and_its_run_resumed(sessions):
    run_id = runs.begin_run(sessions, SITES, "died")
    assert run_id is not None
    with sessions.begin() as session:
        runs.start_shard(session, run_id, 0)
        assert runs.renew(session, run_id)
    assert runs.begin_run(sessions, SITES, "alive") is None
    with sessions.begin() as session:
        session.execute(update(CrawlLock).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert runs.begin_run(sessions, SITES, "alive") == run_id  # the same run, not a new one
    with sessions() as session:
        lock = session.get(CrawlLock, "sites")
        assert lock is not None
        assert lock.holder == "alive"
        assert lock.expires_at > utcnow()
        assert runs.open_shards(session, run_id) == [0, 1, 2]
        assert session.get(CrawlRun, run_id).shards[0].attempts == 1


def test_a_crawl_outside_planned_runs_holds_the_lock_too(sessions):
    oig = Source(name="oig", kind=SourceKind.LEIE_CSV, url="https://oig.example/")
    assert runs.hold(sessions, ["sites", "oig"], "manual") == []
    assert runs.begin_run(sessions, SITES, "scheduler") is None
    assert runs.hold(sessions, ["oig"], "another") == ["oig"]
    with sessions.begin() as session:
        runs.release(session, "manual")
    run_id = runs.begin_run(sessions, oig, "scheduler")
    assert run_id is not None
    assert runs.hold(sessions, ["sites", "oig"], "manual") == ["oig"]
    with sessions() as session:  # nothing taken when anything is busy
        assert session.get(CrawlLock, "sites") is None


def test_a_stale_manual_lock_is_taken_over_but_not_resumed(sessions):
    assert runs.hold(sessions, ["sites"], "died") == []
    with sessions.begin() as session:
        session.execute(update(CrawlLock).values(expires_at=utcnow() - timedelta(seconds=1)))
        assert runs.abandoned(session) == []  # no planned run to resume
    assert runs.hold(sessions, ["sites"], "manual") == []
    with sessions.begin() as session:
        runs.renew_held(session, "manual")
        lock = session.get(CrawlLock, "sites")
        assert (lock.holder, lock.expires_at > utcnow()) == ("manual", True)


def test_a_manual_lock_whose_holder_is_gone_is_taken_over_before_its_lease_runs_out(sessions):
    assert runs.hold(sessions, ["sites"], "host:1") == []
    assert runs.hold(sessions, ["sites"], "host:2", alive=lambda holder: True) == ["sites"]
    assert runs.hold(sessions, ["sites"], "host:2", alive=lambda holder: holder != "host:1") == []
    with sessions() as session:
        assert session.get(CrawlLock, "sites").holder == "host:2"
