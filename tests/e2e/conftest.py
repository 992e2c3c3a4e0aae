"""End-to-end fixtures: the local public web, and the `clinics` command run as a subprocess.

Crawls run in their own process, as they do in production: Twisted's reactor cannot restart.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from directory.db import make_engine
from localweb import LocalWeb
from tests.conftest import new_database


@dataclass
class Clinics:
    """Runs `clinics` against one database."""

    database_url: str
    workdir: Path

    def run(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        environment = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CLINICS_CRAWL_DELAY": "0",
            "CLINICS_LOG_LEVEL": "WARNING",
        }
        result = subprocess.run(
            [sys.executable, "-m", "clinics", *arguments],
            cwd=self.workdir,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            pytest.fail(f"clinics {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
        return result


@pytest.fixture(scope="module")
def local_web() -> Iterator[LocalWeb]:
    """The local public web on free ports."""
    with LocalWeb() as web:
        yield web


@pytest.fixture(scope="module")
def clinics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinics]:
    """The command on a new, migrated database of the kind under test."""
    folder = tmp_path_factory.mktemp("e2e")
    with new_database(folder) as url:
        command = Clinics(url, folder)
        command.run("db", "upgrade")
        yield command


@pytest.fixture(scope="module")
def crawled_engine(clinics: Clinics) -> Iterator[Engine]:
    """An engine on the e2e database."""
    engine = make_engine(clinics.database_url)
    yield engine
    engine.dispose()
