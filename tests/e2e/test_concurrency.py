"""A crawl writing while the production server answers searches: no failed request, no lock error.

The site runs under gunicorn (two workers, threads as gunicorn.conf.py sets them), as in
production, against the same database the crawl writes to; a pool of clients searches until the
crawl ends. Bounded in time and count.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import Clinics

CLIENTS = 8
GUNICORN_CONFIG = Path(__file__).parents[2] / "gunicorn.conf.py"
DEADLINE = 180.0  # seconds; the crawl takes a few
SEARCHES = (
    "/api/v1/clinics?near=78701&radius=250&status=all",
    "/api/v1/clinics?near=Houston,+TX&radius=100",
    "/?near=80202&radius=50&status=all",
)
LOCKED = "database is locked"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(clinics: Clinics) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": clinics.database_url,
        "SECRET_KEY": "concurrency-test",
        "CLINICS_CRAWL_DELAY": "0",
        "CLINICS_LOG_LEVEL": "WARNING",
    }


def wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    """Poll the site until it answers, failing if the server dies or takes over 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            with urllib.request.urlopen(base + "/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer within 30 s")


@pytest.fixture
def site(clinics: Clinics, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn serving the site on a free port; yields its base URL and its log file."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2"]
            + ["--config", str(GUNICORN_CONFIG), "-b", f"127.0.0.1:{port}", "web:create_app()"],
            cwd=clinics.workdir,
            env=environment(clinics),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, server)
            yield base, log
        finally:
            server.terminate()
            server.wait(timeout=30)


def search_until(base: str, crawl: subprocess.Popen[str], deadline: float) -> Counter[str]:
    """One client: search in turn until the crawl ends; counts outcomes by status or error."""
    outcomes: Counter[str] = Counter()
    while crawl.poll() is None and time.monotonic() < deadline:
        path = SEARCHES[sum(outcomes.values()) % len(SEARCHES)]
        try:
            with urllib.request.urlopen(base + path, timeout=30) as response:
                outcomes[str(response.status)] += 1
        except urllib.error.HTTPError as error:
            outcomes[str(error.code)] += 1
        except OSError as error:
            outcomes[type(error).__name__] += 1
    return outcomes


def test_searches_never_fail_while_a_crawl_writes(local_web, clinics, site):
    base, server_log = site
    sources = local_web.write_sources(clinics.workdir / "sources.toml")
    crawl = subprocess.Popen(
        [sys.executable, "-m", "clinics", "crawl", "--sources", str(sources)],
        cwd=clinics.workdir,
        env=environment(clinics),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + DEADLINE
    with ThreadPoolExecutor(CLIENTS) as pool:
        clients = [pool.submit(search_until, base, crawl, deadline) for _ in range(CLIENTS)]
        crawl_output, _ = crawl.communicate(timeout=DEADLINE)
        outcomes = sum((client.result() for client in clients), Counter())
    assert crawl.returncode == 0, crawl_output
    assert re.search(r"Verified \d+ listing\(s\)", crawl_output), crawl_output
    print(f"searches during the crawl: {dict(outcomes)}")
    assert set(outcomes) == {"200"}, outcomes
    assert outcomes["200"] >= CLIENTS * 5
    assert LOCKED not in crawl_output
    assert LOCKED not in server_log.read_text()
    with urllib.request.urlopen(base + SEARCHES[0], timeout=30) as response:
        assert b"Calm Waters Ketamine Clinic" in response.read()
