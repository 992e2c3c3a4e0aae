"""The `clinics` command's answers to mistakes: a clear message, exit status 1, no traceback."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Clinics

REPOSITORY = Path(__file__).parents[2]


def test_bad_sources_file_names_file_entry_and_key(clinics: Clinics, tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text("[[source]]\nname = 'tx'\nkind = 'license_table'\nurl = 'https://x/'\n")
    result = clinics.run("crawl", "--sources", str(bad), check=False)
    assert result.returncode == 1
    assert f"Error: {bad}, entry #1 ('tx'), key 'columns': a license_table source needs it" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_unknown_source_name_is_refused(clinics: Clinics, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text("[[source]]\nname = 'oig'\nkind = 'leie_csv'\nurl = 'https://x/'\n")
    result = clinics.run("crawl", "--sources", str(sources), "--source", "nope", check=False)
    assert result.returncode == 1
    assert "no source named nope" in result.stderr


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["export"], ["verify"]])
def test_commands_refuse_a_database_whose_schema_is_behind(tmp_path, command):
    empty = Clinics(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    result = empty.run(*command, check=False)
    assert result.returncode == 1
    assert "Run `clinics db upgrade` first." in result.stderr
    assert "Traceback" not in result.stderr


def compose_command() -> list[str] | None:
    """`docker compose`, or the standalone `docker-compose`, whichever this machine has."""
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def test_compose_file_is_valid():
    command = compose_command()
    if command is None:
        missing = "neither `docker compose` nor `docker-compose` is installed (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(missing)  # never a silent skip in CI
        pytest.skip(missing)
    environment = {"POSTGRES_PASSWORD": "example", "SECRET_KEY": "example", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [*command, "config"], cwd=REPOSITORY, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    for service in ("postgres:", "redis:", "web:", "migrate:", "scheduler:", "worker:"):
        assert f"  {service}" in result.stdout
    assert "web:create_app()" in result.stdout
    worker = result.stdout[result.stdout.index("  worker:") :]
    assert "replicas: 2" in worker
    assert "REDIS_URL: redis://redis:6379/0" in worker
