"""Crawl jobs for real: sharded runs as local processes, on Celery workers over Redis, and killed.

Celery runs against the Redis server on 127.0.0.1:6379, in the test run's own database
(`redis_database`), emptied before each test that uses it.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.jobs import JobConfig, wait_for
from directory.db import make_engine
from directory.models import CrawlRun, CrawlShard
from localweb import Fault, LocalWeb
from tests.conftest import RedisDatabase, new_database
from tests.e2e.conftest import Clinics
from tests.e2e.test_kill import assert_whole

LISTINGS_AND_REGISTRY = ("--source", "clinic-sites", "--source", "ketamine-finder")
REGISTRY = ("--source", "nppes")


def sharded_sources(web: LocalWeb, folder: Path) -> Path:
    """The local web's sources, with clinic sites and registry look-ups two per shard."""
    text = web.sources_toml()
    text = text.replace("page_budget = 8\n", "page_budget = 8\nshard_size = 2\n")
    text = text.replace('kind = "nppes_api"\n', 'kind = "nppes_api"\nshard_size = 2\n')
    path = folder / "sharded.toml"
    path.write_text(text, encoding="utf-8")
    return path


def listings(clinics: Clinics) -> list[dict]:
    """The open-data export, without what differs between any two crawls (ids, check times)."""
    records = [json.loads(line) for line in clinics.run("export").stdout.splitlines()]
    for record in records:
        del record["id"]
        del record["verification"]["checked_at"]
    return sorted(records, key=lambda record: record["name"])


def runs_of(url: str) -> list[CrawlRun]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            found = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
            for run in found:
                _ = run.shards
            return list(found)
    finally:
        engine.dispose()


@pytest.fixture
def fresh(tmp_path) -> Iterator[Clinics]:
    """`clinics` on a new, migrated database."""
    with new_database(tmp_path) as url:
        command = Clinics(url, tmp_path)
        command.run("db", "upgrade")
        yield command


@pytest.fixture(scope="module")
def one_process(local_web, tmp_path_factory) -> list[dict]:
    """What `clinics crawl` stores in one process: the listings and their registry records."""
    folder = tmp_path_factory.mktemp("one-process")
    with new_database(folder) as url:
        command = Clinics(url, folder)
        command.run("db", "upgrade")
        sources = local_web.write_sources(folder / "sources.toml")
        command.run("crawl", "--sources", str(sources), *LISTINGS_AND_REGISTRY)
        command.run("crawl", "--sources", str(sources), *REGISTRY)
        return listings(command)


def test_without_redis_the_shards_run_as_local_processes(one_process, local_web, fresh, tmp_path):
    sources = sharded_sources(local_web, tmp_path)
    output = fresh.run("dispatch", "--sources", str(sources), *LISTINGS_AND_REGISTRY).stdout
    assert "#1 clinic-sites: finished" in output
    fresh.run("dispatch", "--sources", str(sources), *REGISTRY)
    assert listings(fresh) == one_process
    clinic_sites, directory, registry = runs_of(fresh.database_url)
    assert (len(clinic_sites.shards), len(directory.shards)) == (2, 1)
    assert len(registry.shards) > 1
    assert {run.status for run in (clinic_sites, directory, registry)} == {"finished"}
    assert clinic_sites.counts["ingest/new"] == 4
    assert "#3 nppes: finished" in fresh.run("runs").stdout


def test_two_attempts_at_once_and_one_by_hand_crawl_a_source_once(local_web, fresh, tmp_path):
    local_web.inject("oig", "/exclusions/", Fault(delay=4.0))  # the first run is still on
    sources = local_web.write_sources(tmp_path / "sources.toml")
    command = [sys.executable, "-m", "clinics", "dispatch", "--sources", str(sources)]
    environment = {**os.environ, "DATABASE_URL": fresh.database_url, "CLINICS_CRAWL_DELAY": "0"}
    try:
        attempts = [
            subprocess.Popen(
                [*command, "--source", "oig-leie"],
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            for _ in range(2)
        ]
        deadline = time.monotonic() + 60
        while not runs_of(fresh.database_url):
            assert time.monotonic() < deadline, "no run started"
            time.sleep(0.1)
        by_hand = fresh.run("crawl", "--sources", str(sources), "--source", "oig-leie", check=False)
        outputs = sorted(attempt.communicate(timeout=120)[0] for attempt in attempts)
    finally:
        local_web.clear_faults()
    assert outputs[0].startswith("#1 oig-leie: finished")
    assert outputs[1] == "oig-leie: a run is already under way; not starting another\n"
    assert by_hand.returncode == 1
    assert "already being crawled: oig-leie; see `clinics runs`" in by_hand.stderr
    assert len(runs_of(fresh.database_url)) == 1


@pytest.fixture
def broker(redis_database: RedisDatabase) -> str:
    """The Redis database the Celery tests queue on, emptied."""
    redis_database.empty()
    return redis_database.url


class Workers:
    """`clinics worker` processes sharing one database and one broker."""

    def __init__(self, clinics: Clinics, sources: Path, broker: str) -> None:
        self.environment = {
            **os.environ,
            "DATABASE_URL": clinics.database_url,
            "CLINICS_SOURCES": str(sources),
            "REDIS_URL": broker,
            "CLINICS_CRAWL_DELAY": "0",
            "CLINICS_LOG_LEVEL": "WARNING",
            "CLINICS_VISIBILITY_TIMEOUT": "20",  # well above a shard here, even on a busy machine
        }
        self.folder = clinics.workdir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[BinaryIO] = []

    def start(self, count: int) -> None:
        for _ in range(count):
            log = (self.folder / f"worker-{len(self.processes)}.log").open("wb")
            self.logs.append(log)
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "clinics", "worker"],
                    env=self.environment,
                    cwd=self.folder,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 60
        while not all(self._ready(n) for n in range(len(self.processes))):
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.2)

    def _ready(self, number: int) -> bool:
        return b" ready." in (self.folder / f"worker-{number}.log").read_bytes()

    def dispatch(self, *arguments: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "clinics", "dispatch", "--timeout", "240", *arguments],
            env=self.environment,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            process.wait(timeout=60)
        for log in self.logs:
            log.close()


@pytest.fixture
def workers(fresh, local_web, broker, tmp_path) -> Iterator[Workers]:
    crew = Workers(fresh, sharded_sources(local_web, tmp_path), broker)
    yield crew
    crew.stop()
    local_web.clear_faults()


def test_three_workers_share_a_crawl_and_store_what_one_process_stores(one_process, workers, fresh):
    workers.start(3)
    workers.dispatch(*LISTINGS_AND_REGISTRY)
    workers.dispatch(*REGISTRY)
    assert listings(fresh) == one_process
    sharded = runs_of(fresh.database_url)
    assert [run.status for run in sharded] == ["finished"] * 3
    assert sum(len(run.shards) for run in sharded) > 6
    logs = [(fresh.workdir / f"worker-{n}.log").read_text() for n in range(3)]
    assert sum("succeeded" in log for log in logs) >= 2  # the work was shared


def shard_process_parent(run_id: int, position: int) -> int | None:
    """The process that started the crawl of a shard (its worker), if one is crawling it."""
    wanted = ["-m", "crawler.shard", str(run_id), str(position)]
    for entry in Path("/proc").iterdir():
        try:
            arguments = (entry / "cmdline").read_bytes().decode().split("\0")
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        if arguments[1:5] == wanted:
            return int(stat.rsplit(")", 1)[1].split()[1])
    return None


@pytest.fixture
def slow_dispatch(workers, local_web) -> Iterator[subprocess.Popen[bytes]]:
    """Two workers, and `clinics dispatch` of the listings under way in the background, Hill
    Country's site answering slowly so that its shard takes a while; stopped if still running."""
    local_web.inject("hill-country-wellness", "/", Fault(delay=0.6))
    workers.start(2)
    dispatcher = subprocess.Popen(
        [sys.executable, "-m", "clinics", "dispatch", *LISTINGS_AND_REGISTRY],
        env=workers.environment,
        cwd=workers.folder,
        stdout=subprocess.DEVNULL,
    )
    yield dispatcher
    if dispatcher.poll() is None:
        dispatcher.kill()
        dispatcher.wait(timeout=60)


def test_a_worker_killed_mid_shard_loses_nothing(
    one_process, workers, slow_dispatch, fresh, local_web
):
    slow = local_web.urls["hill-country-wellness"]
    engine = make_engine(fresh.database_url)
    deadline, victim = time.monotonic() + 60, None
    while victim is None:
        assert time.monotonic() < deadline, "the slow shard never started"
        with Session(engine) as session:
            shard = session.scalars(
                select(CrawlShard).where(CrawlShard.status == "running")
            ).first()
            if shard is not None and slow in shard.part.get("urls", []):
                victim = shard_process_parent(shard.run_id, shard.position)
                killed = (shard.run_id, shard.position)
        time.sleep(0.05)
    engine.dispose()
    assert victim in {process.pid for process in workers.processes}
    os.kill(victim, signal.SIGKILL)
    local_web.clear_faults()
    assert slow_dispatch.wait(timeout=240) == 0
    workers.dispatch(*REGISTRY)
    assert listings(fresh) == one_process
    (run, *_) = runs_of(fresh.database_url)
    shard = next(s for s in run.shards if (s.run_id, s.position) == killed)
    assert (run.status, shard.status, shard.attempts) == ("finished", "finished", 2)


def test_shards_waiting_in_the_queue_past_the_lease_keep_a_second_run_out(
    workers, fresh, local_web
):
    workers.environment["CLINICS_LOCK_LEASE"] = "2"
    local_web.inject("oig", "/exclusions/", Fault(delay=10.0))  # keeps the only worker busy
    workers.start(1)

    def dispatch(name: str) -> str:
        command = [sys.executable, "-m", "clinics", "dispatch", "--timeout", "0", "--source", name]
        return subprocess.run(
            command, env=workers.environment, cwd=workers.folder, capture_output=True, text=True
        ).stdout

    dispatch("oig-leie")
    dispatch("clinic-sites")
    time.sleep(3)  # past the lease, and nobody has taken a shard of the listings' run yet
    (_, waiting) = runs_of(fresh.database_url)
    assert {shard.status for shard in waiting.shards} == {"queued"}
    assert dispatch("clinic-sites") == (
        "clinic-sites: a run is already under way; not starting another\n"
    )
    local_web.clear_faults()
    config = JobConfig(fresh.database_url, str(workers.folder / "sharded.toml"))
    assert len(wait_for(config, [waiting.id - 1, waiting.id], timeout=180)) == 2
    sharded = runs_of(fresh.database_url)
    assert [(run.source_name, run.status) for run in sharded] == [
        ("oig-leie", "finished"),
        ("clinic-sites", "finished"),
    ]
    assert {shard.attempts for shard in sharded[1].shards} == {1}  # none crawled twice


WORKER_KILL_SEEDS = (5, 6)


def test_workers_killed_at_random_moments_leave_a_whole_database_and_lose_nothing(
    one_process, workers, slow_dispatch, fresh, local_web
):
    """`kill -9` of a seeded choice of worker at seeded moments of a run, a new worker started
    after each; the database is whole, and the run stores what one process stores."""
    engine = make_engine(fresh.database_url)
    try:
        for seed in WORKER_KILL_SEEDS:
            rng = random.Random(seed)  # noqa: S311 - a reproducible moment, not a secret
            time.sleep(rng.uniform(0.5, 2.5))
            alive = [process for process in workers.processes if process.poll() is None]
            victim = rng.choice(alive)
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=30)
            assert_whole(engine)
            workers.start(1)
        local_web.clear_faults()
        assert slow_dispatch.wait(timeout=240) == 0
        workers.dispatch(*REGISTRY)
        assert_whole(engine)
    finally:
        engine.dispose()
    assert listings(fresh) == one_process
    assert {run.status for run in runs_of(fresh.database_url)} == {"finished"}
