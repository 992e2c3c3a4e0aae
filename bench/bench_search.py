"""Search under load: generated listings across the US, the JSON API under gunicorn, 32 clients.

The load comes from wrk (`apt-get install wrk`) in a second process on loopback; the baseline is
the same server's trivial /hello in the same run. gunicorn runs with the production settings
(`gunicorn.conf.py`: one gthread worker per core, four threads each). SQLite always;
PostgreSQL on the server named by BENCH_POSTGRES_URL (default: postgres on 127.0.0.1), in a
database made for the run.

The searches are a heavy-tailed mix, as real search logs are: 30,000 distinct searches, each a
random standard ZIP code, a radius of 10, 25, 50 or 100 miles, one filter in five searches (all
verdicts, a treatment, a condition, or psychotherapy support, equally often) and page 2 in one
search in six (page 1 otherwise), 20 results a page; each request picks one with a Zipf
popularity (the search ranked r is asked for in proportion to 1/r). Every draw is seeded. Each
database is measured twice, each time against hello on the same server: with the search cache
on (SimpleCache, one per worker, warmed by 2 s of the same mix), reporting the hit ratio the
server's X-Cache header shows, and with it off (CLINICS_SEARCH_CACHE=0), where every request is
a real search.
"""

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import zipcodes
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bench.harness import Figure
from directory.db import make_engine, refresh_statistics, upgrade
from directory.models import Clinic, Clinician, FieldSource, Location, Verification
from directory.vocab import Condition, Modality, Verdict

WRK = shutil.which("wrk")
CLIENTS = 32
DISTINCT_SEARCHES = 30_000
DRAWS = 200_000  # the requests' sequence, drawn by popularity; wrk walks it from random points
RADII = (10, 25, 50, 100)
PAGE_SIZE = 20
P95_TARGET_MS = 50.0
THROUGHPUT_TARGET = 0.40  # of hello's
GUNICORN_CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
"""The production server's settings (gunicorn reads them from the working directory there)."""
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CHECKED = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
_VERDICTS = [Verdict.VERIFIED] * 7 + [
    Verdict.LICENSE_PROBLEM,
    Verdict.OUT_OF_STATE,
    Verdict.UNVERIFIED,
]
_WRK_SCRIPT = """
local paths = {%s}
local threads = {}
local number = 0
setup = function(thread)
  number = number + 1
  thread:set("id", number)
  table.insert(threads, thread)
end
init = function(args)
  math.randomseed(tonumber(args[1]) * 1000 + id)
  hits = 0
end
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
%s
done = function(summary, latency, requests)
  local e = summary.errors
  local hits = 0
  for _, thread in ipairs(threads) do hits = hits + (thread:get("hits") or 0) end
  io.write(string.format("RESULT %%d %%d %%f %%f %%f %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout, hits))
end
"""
_COUNT_HITS = """
response = function(status, headers, body)
  if headers["X-Cache"] == "hit" then hits = hits + 1 end
end
"""


@dataclass(frozen=True)
class Load:
    """What wrk measured for one set of paths."""

    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    hit_ratio: float


def run(quick: bool) -> list[Figure]:
    """Hello and search figures, cache on and off, on SQLite and, when reachable, PostgreSQL."""
    if WRK is None:
        raise SystemExit("the search benchmark needs wrk: apt-get install wrk")
    listings, seconds = (2_000, 3) if quick else (100_000, 20)
    zips, paths, rng = _data_and_mix()
    figures: list[Figure] = []
    for label, url in _databases():
        with url as database_url:
            _seed(database_url, listings, zips, rng)
            for cache in ("on", "off"):
                with _gunicorn(database_url, cache=cache == "on") as base:
                    _check(base, paths[:20])
                    _load(base, ["/hello"], 2, seed=1)  # warm up the workers (and the cache)
                    _load(base, paths, 2, seed=1)
                    hello = _load(base, ["/hello"], seconds, seed=2)
                    search = _load(base, paths, seconds, seed=2, count_hits=cache == "on")
                name = f"search ({label}, {listings:,} listings, cache {cache})"
                figures += _figures(name, hello, search)
    return figures


def _data_and_mix() -> tuple[list[dict[str, str]], list[str], random.Random]:
    """The ZIP codes listings are generated around, the mix of search paths, and the seeded
    generator that `_seed` draws the listings from (one for all the run's databases)."""
    zips = [z for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD" and z["active"]]
    paths = _workload([z["zip_code"] for z in zips], random.Random(5))  # noqa: S311
    return zips, paths, random.Random(100_000)  # noqa: S311 - reproducible data, not secrets


def _workload(zips: list[str], rng: random.Random) -> list[str]:
    """The mix of the module's docstring: distinct searches drawn by a Zipf popularity."""
    filters = ["status=all", "modality=iv_infusion", "condition=ptsd", "support=1"]
    searches: set[str] = set()
    while len(searches) < DISTINCT_SEARCHES:
        query = f"near={rng.choice(zips)}&radius={rng.choice(RADII)}&limit={PAGE_SIZE}"
        if rng.random() < 1 / 5:
            query += "&" + rng.choice(filters)
        if rng.random() < 1 / 6:
            query += f"&offset={PAGE_SIZE}"
        searches.add(f"/api/v1/clinics?{query}")
    ranked = sorted(searches)
    rng.shuffle(ranked)  # popularity rank, unrelated to the ZIP code
    weights = [1 / rank for rank in range(1, len(ranked) + 1)]
    return rng.choices(ranked, weights=weights, k=DRAWS)


def _figures(name: str, hello: Load, search: Load) -> list[Figure]:
    """The search figures with hello's as their baselines (and the hit ratio, if counted)."""
    base = {"benchmark": name, "baseline_name": "hello"}
    hits = [Figure(name, "cache hits", 100 * search.hit_ratio, "%", better="higher")]
    return [
        *(hits if search.hit_ratio else []),
        Figure(metric="p50", value=search.p50_ms, unit="ms", baseline=hello.p50_ms, **base),
        Figure(
            metric="p95",
            value=search.p95_ms,
            unit="ms",
            target=P95_TARGET_MS,
            baseline=hello.p95_ms,
            **base,
        ),  # fmt: skip
        Figure(metric="p99", value=search.p99_ms, unit="ms", baseline=hello.p99_ms, **base),
        Figure(
            metric="throughput",
            value=search.rps,
            unit="req/s",
            better="higher",
            target=THROUGHPUT_TARGET * hello.rps,
            baseline=hello.rps,
            **base,
        ),  # fmt: skip
    ]


def _databases() -> Iterator[tuple[str, AbstractContextManager[str]]]:
    """(label, context giving a fresh database URL) for SQLite and, if reachable, PostgreSQL."""
    yield "SQLite", _sqlite_database()
    admin_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    try:
        make_engine(admin_url).connect().close()
    except Exception as error:  # any failure to connect means PostgreSQL is not measured
        print(f"PostgreSQL not measured: {error}", file=sys.stderr)
        return
    yield "PostgreSQL", _postgres_database(admin_url)


@contextmanager
def _sqlite_database() -> Iterator[str]:
    """A SQLite file in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def _postgres_database(admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database for the run, dropped afterwards."""
    name = f"clinics_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _seed(url: str, count: int, zips: list[dict[str, str]], rng: random.Random) -> None:
    """`count` listings near ZIP centroids across the US, each with clinician, source, verdict."""
    engine = make_engine(url)
    upgrade(engine)
    chunk = 10_000
    with engine.begin() as connection:
        for start in range(1, count + 1, chunk):
            ids = range(start, min(start + chunk, count + 1))
            tables: dict[type, list[dict[str, object]]] = {
                Clinic: [], Location: [], Clinician: [], FieldSource: [], Verification: []
            }  # fmt: skip
            for clinic_id in ids:
                for model, row in _listing(clinic_id, rng.choice(zips), rng):
                    tables[model].append(row)
            for model, rows in tables.items():
                connection.execute(insert(model), rows)
    refresh_statistics(engine)  # as a crawl does when it ends
    engine.dispose()


def _listing(
    clinic_id: int, place: dict[str, str], rng: random.Random
) -> Iterator[tuple[type, dict[str, object]]]:
    """The rows of one generated listing."""
    verdict = rng.choice(_VERDICTS)
    lat = float(place["lat"]) + rng.uniform(-0.02, 0.02)
    lon = float(place["long"]) + rng.uniform(-0.02, 0.02)
    name = f"Clinic {clinic_id} {place['city'].title()}"
    yield Clinic, {
        "id": clinic_id, "key": f"bench-{clinic_id}", "name": name,
        "website": f"https://clinic-{clinic_id}.example/",
        "modalities": rng.sample(list(Modality), rng.randint(1, 3)),
        "conditions": rng.sample(list(Condition), rng.randint(1, 4)),
        "verdict": verdict, "verdict_checked_at": CHECKED, "needs_check": False,
        "first_seen": CHECKED, "last_seen": CHECKED,
    }  # fmt: skip
    yield Location, {
        "id": clinic_id, "clinic_id": clinic_id, "position": 0, "street": f"{clinic_id} Main St",
        "city": place["city"].title(), "state": place["state"], "postal_code": place["zip_code"],
        "lat": lat, "lon": lon, "phone": f"+1512555{clinic_id % 10_000:04d}",
    }  # fmt: skip
    yield Clinician, {
        "id": clinic_id, "clinic_id": clinic_id, "name": f"Dana Doe{clinic_id}, MD",
        "name_key": f"dana doe{clinic_id}", "first_name": "Dana", "last_name": f"Doe{clinic_id}",
        "credentials": ["MD"],
    }  # fmt: skip
    yield FieldSource, {
        "clinic_id": clinic_id, "field": "name", "source_name": "clinic-sites",
        "source_url": f"https://clinic-{clinic_id}.example/", "retrieved_at": CHECKED,
    }  # fmt: skip
    yield Verification, {
        "clinic_id": clinic_id, "verdict": verdict, "as_of": date(2026, 11, 25),
        "checked_at": CHECKED, "reasons": [f"Dana Doe{clinic_id}, MD: {verdict}."],
        "evidence": [{"kind": "license", "clinician_id": clinic_id, "state": place["state"],
                      "type": "MD", "number": f"Q{clinic_id}", "status": "active",
                      "source": "board", "retrieved_at": CHECKED.isoformat()}],
    }  # fmt: skip


@contextmanager
def _gunicorn(database_url: str, *, cache: bool) -> Iterator[str]:
    """The production server on a free loopback port, the search cache on or off; yields its
    base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench",
        "CLINICS_SEARCH_CACHE": "1" if cache else "0",
        "CACHE_TYPE": "SimpleCache",
    }
    server = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "bench.wsgi:build_app()"],
        env=environment,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/hello")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(url: str) -> None:
    """Wait until the server answers."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our loopback server
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _check(base: str, paths: list[str]) -> None:
    """The search answers 200 with results, so the load measures real searches."""
    found = 0
    for path in paths:
        with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310
            found += b'"distance_miles"' in response.read()
    if found == 0:
        raise RuntimeError("no search found any clinic; the benchmark would measure nothing")


def _load(
    base: str, paths: list[str], seconds: int, *, seed: int, count_hits: bool = False
) -> Load:
    """Run wrk with CLIENTS connections for `seconds` over the paths, chosen at random (from
    `seed`); `count_hits` reads each response's X-Cache header (which costs wrk some time)."""
    script = _WRK_SCRIPT % (
        ", ".join(f'"{path}"' for path in paths),
        _COUNT_HITS if count_hits else "",
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        output = subprocess.run(  # noqa: S603 - wrk, found on PATH
            [WRK, "--threads", "2", "--connections", str(CLIENTS), "--duration",
             f"{seconds}s", "--timeout", "10s", "--script", file.name, base, "--", str(seed)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        Path(file.name).unlink()
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    requests, micros, p50, p95, p99, errors, hits = (float(word) for word in line.split()[1:])
    if errors:
        raise RuntimeError(f"wrk saw {errors:.0f} errors:\n{output}")
    return Load(requests / (micros / 1e6), p50 / 1000, p95 / 1000, p99 / 1000, hits / requests)
