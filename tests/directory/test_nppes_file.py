"""Importing the NPPES dissemination file: real columns, kept taxonomies, skips, resuming."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from directory.db import make_engine, make_sessionmaker, upgrade
from directory.items import NpiRecordItem
from directory.models import ImportCheckpoint, License, Organisation
from directory.normalise.licenses import CLINIC_TAXONOMY_PREFIXES, normalise_npi_organisation
from directory.normalise.npi import valid_npi
from directory.nppes_file import NppesFileError, import_nppes_file
from directory.vocab import LicenseStatus
from localweb.nppes_file import header, write_npidata, write_registry_records
from tests.conftest import new_database

REFERENCE = Path(__file__).parents[1] / "fixtures" / "reference"
SMALL_BLOCK = 256 << 10  # several blocks from a small file


@pytest.fixture
def fresh_engine(tmp_path) -> Engine:
    with new_database(tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


def licence_count(engine: Engine) -> int:
    with make_sessionmaker(engine)() as session:
        return session.scalar(select(func.count()).select_from(License)) or 0


def test_the_generated_file_has_the_real_header(tmp_path):
    path = write_npidata(tmp_path / "npidata.csv", 3)
    real = (REFERENCE / "npidata_pfile_sample_header_plus_1row.csv").read_text().splitlines()[0]
    assert path.read_text().splitlines()[0] == real
    assert len(header()) == 330


def test_individuals_of_kept_taxonomies_become_licence_pointers(fresh_engine, tmp_path):
    path = write_npidata(tmp_path / "npidata.csv", 3000)
    counts = import_nppes_file(make_sessionmaker(fresh_engine), path, block_size=SMALL_BLOCK)
    assert counts["rows"] == 3000
    assert counts["deactivated"] > 0
    assert counts["organisations"] > 0
    assert 0 < counts["individuals_kept"] < 3000 / 2
    with make_sessionmaker(fresh_engine)() as session:
        rows = session.scalars(select(License)).all()
        assert len(rows) == counts["licences_stored"]
        assert {row.status for row in rows} == {LicenseStatus.UNKNOWN}
        assert {row.license_type for row in rows} == {"MD", "DO", "NP", "PA", "CRNA"}
        assert all(row.npi and row.source_name == "nppes" for row in rows)
        assert all(row.source_url.startswith("file://") for row in rows)


def test_clinic_organisations_are_stored_so_their_npis_can_be_checked(fresh_engine, tmp_path):
    path = write_npidata(tmp_path / "npidata.csv", 3000)
    counts = import_nppes_file(make_sessionmaker(fresh_engine), path, block_size=SMALL_BLOCK)
    with make_sessionmaker(fresh_engine)() as session:
        rows = session.scalars(select(Organisation)).all()
    assert len(rows) == counts["organisations_stored"] == counts["organisations"] > 0
    assert all(valid_npi(row.npi) == row.npi and row.name.endswith(" LLC") for row in rows)
    assert all(row.taxonomy_code in CLINIC_TAXONOMY_PREFIXES for row in rows)
    assert all(row.state and row.source_name == "nppes" for row in rows)
    again = tmp_path / "again.csv"  # another file with the same rows: updated, not duplicated
    again.write_text(path.read_text() + path.read_text().splitlines()[1] + "\n")
    import_nppes_file(make_sessionmaker(fresh_engine), again, block_size=SMALL_BLOCK)
    with make_sessionmaker(fresh_engine)() as session:
        assert session.scalar(select(func.count()).select_from(Organisation)) == len(rows)


def test_the_file_keeps_the_organisations_the_api_keeps(fresh_engine, tmp_path):
    results = [
        result
        for name in (
            "legacy2019_search_10_orgs.json",
            "api21_npi2_org_multispecialty_group.json",
            "api21_npi2_org_authorized_official.json",
            "api21_npi2_org_hospital_2026-08_capture.json",
        )
        for result in json.loads((REFERENCE / name).read_text())["results"]
    ]
    fields = ("npi", "name", "taxonomy_code", "state", "city", "postal_code")
    retrieved = datetime(2026, 11, 25, tzinfo=UTC)

    def item(result):
        return NpiRecordItem(
            source_name="nppes", source_url="x", retrieved_at=retrieved, record=result
        )

    from_api = {
        tuple(getattr(found, name) for name in fields)
        for result in results
        if (found := normalise_npi_organisation(item(result)))
    }
    path = write_registry_records(tmp_path / "npidata.csv", results)
    counts = import_nppes_file(make_sessionmaker(fresh_engine), path)
    with make_sessionmaker(fresh_engine)() as session:
        rows = session.scalars(select(Organisation)).all()
        from_file = {tuple(getattr(row, name) for name in fields) for row in rows}
    # Groups known only by their taxonomies' group (Peach State's 207VE0102X in a multi-specialty
    # group) are kept by both; the dental practice, home-health agency and hospital by neither.
    assert from_file == from_api
    assert len(from_file) == counts["organisations_stored"] == len(results) - 3


def test_an_interrupted_import_resumes_where_it_stopped(fresh_engine, tmp_path):
    path = write_npidata(tmp_path / "npidata.csv", 3000)
    sessions = make_sessionmaker(fresh_engine)
    seen: list[int] = []

    def stop_after_two_blocks(_read: int, rows: int) -> None:
        seen.append(rows)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_nppes_file(sessions, path, progress=stop_after_two_blocks, block_size=SMALL_BLOCK)
    with sessions() as session:
        (checkpoint,) = session.scalars(select(ImportCheckpoint)).all()
        assert checkpoint.rows_done == seen[1] < 3000
        assert checkpoint.finished_at is None
    resumed: list[int] = []
    counts = import_nppes_file(
        sessions, path, progress=lambda _r, rows: resumed.append(rows), block_size=SMALL_BLOCK
    )
    assert resumed[0] > seen[1]
    assert counts["rows"] == 3000

    with new_database(tmp_path / "clean") as url:
        clean = make_engine(url)
        upgrade(clean)
        once = import_nppes_file(make_sessionmaker(clean), path, block_size=SMALL_BLOCK)
        assert licence_count(clean) == licence_count(fresh_engine) == once["licences_stored"]
        clean.dispose()


def test_a_new_month_s_file_updates_rather_than_duplicates(fresh_engine, tmp_path):
    first = write_npidata(tmp_path / "october.csv", 2000)
    sessions = make_sessionmaker(fresh_engine)
    import_nppes_file(sessions, first)
    before = licence_count(fresh_engine)
    second = tmp_path / "november.csv"
    shutil.copy(first, second)
    with second.open("a") as handle:  # a different file: one more row at the end
        handle.write(write_npidata(tmp_path / "one.csv", 1).read_text().splitlines()[1] + "\n")
    counts = import_nppes_file(sessions, second)
    assert counts["rows"] == 2001
    assert licence_count(fresh_engine) == before


def test_the_real_sample_row_is_read(fresh_engine):
    path = REFERENCE / "npidata_pfile_sample_header_plus_1row.csv"
    counts = import_nppes_file(make_sessionmaker(fresh_engine), path)
    # A dental practice (261QD0000X): an organisation, and not one of the clinics kept.
    assert counts == {
        "rows": 1,
        "deactivated": 0,
        "organisations": 0,
        "licences_stored": 0,
        "organisations_stored": 0,
    }


def test_malformed_rows_are_counted_skips(fresh_engine, tmp_path):
    path = write_npidata(tmp_path / "npidata.csv", 50)
    lines = path.read_text().splitlines()
    lines.insert(10, '"1234567893","1","CUT SHORT"')
    path.write_text("\n".join(lines) + "\n")
    counts = import_nppes_file(make_sessionmaker(fresh_engine), path)
    assert counts["rows"] == 50
    assert counts["skipped/malformed_row"] == 1


def test_a_file_without_the_columns_is_refused(fresh_engine, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text('"NPI","Name"\n"1234567893","X"\n')
    with pytest.raises(NppesFileError, match="missing columns 'Entity Type Code'"):
        import_nppes_file(make_sessionmaker(fresh_engine), other)
