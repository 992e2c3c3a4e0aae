"""`kill -9` of a crawl at seeded random moments: the database stays whole and the next run heals.

Every item is stored in its own transaction, so a crawl killed mid-way leaves each listing either
written whole or not at all; a following uninterrupted crawl then gives exactly what one clean
crawl gives.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from directory.db import make_engine
from directory.models import Clinic, FieldSource, Location
from tests.conftest import ON_POSTGRES, new_database
from tests.e2e.conftest import Clinics

SEEDS = (8, 11, 23, 47)  # kill after 1.3, 2.1, 3.7 and 1.7 s: listing and licence phases
VOLATILE = ("id", "checked_at")  # differ between two databases by construction


def comparable(export: str) -> list[dict[str, Any]]:
    """Export lines without ids and check times, in name order."""
    records = [json.loads(line) for line in export.splitlines()]
    for record in records:
        for field in VOLATILE:
            record.pop(field, None)
            record["verification"].pop(field, None)
    return sorted(records, key=lambda record: record["name"])


def start_crawl(clinics: Clinics, sources: Path) -> subprocess.Popen[str]:
    """`clinics crawl` started in the background, as a scheduler would start it."""
    environment = {
        **os.environ,
        "DATABASE_URL": clinics.database_url,
        "CLINICS_CRAWL_DELAY": "0",
        "CLINICS_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "clinics", "crawl", "--sources", str(sources)],
        cwd=clinics.workdir,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def assert_whole(engine: Engine) -> None:
    """The database passes its integrity checks and holds no listing without its parts."""
    with Session(engine) as session:
        if not ON_POSTGRES:
            assert session.scalar(text("PRAGMA integrity_check")) == "ok"
            assert session.execute(text("PRAGMA foreign_key_check")).all() == []
        bare = select(Clinic.name).where(
            ~select(FieldSource.id).where(FieldSource.clinic_id == Clinic.id).exists()
            | ~select(Location.id).where(Location.clinic_id == Clinic.id).exists()
        )
        assert session.scalars(bare).all() == []


@pytest.fixture(scope="module")
def reference(local_web, clinics: Clinics) -> list[dict[str, Any]]:
    """What one clean crawl of the local web exports."""
    sources = local_web.write_sources(clinics.workdir / "sources.toml")
    clinics.run("crawl", "--sources", str(sources))
    return comparable(clinics.run("export").stdout)


def test_crawl_killed_at_random_moments_leaves_a_whole_database_the_next_run_completes(
    local_web, reference, tmp_path
):
    with new_database(tmp_path) as url:
        killed = Clinics(url, tmp_path)
        killed.run("db", "upgrade")
        sources = local_web.write_sources(tmp_path / "sources.toml")
        engine = make_engine(url)
        try:
            for seed in SEEDS:
                crawl = start_crawl(killed, sources)
                time.sleep(random.Random(seed).uniform(0.5, 4.0))
                crawl.send_signal(signal.SIGKILL)
                crawl.wait(timeout=30)
                assert_whole(engine)
            with Session(engine) as session:
                assert session.scalar(select(func.count()).select_from(Clinic)) <= len(reference)
            killed.run("crawl", "--sources", str(sources))
            assert_whole(engine)
        finally:
            engine.dispose()
        assert comparable(killed.run("export").stdout) == reference
