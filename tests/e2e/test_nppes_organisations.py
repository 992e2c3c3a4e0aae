"""An organisation's NPI printed where a clinician's belongs: the same finding whether the NPI
registry API (crawled over HTTP) or the dissemination file told us of the organisation."""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from directory.db import make_engine, make_sessionmaker, upgrade
from directory.licensing.checker import assess
from directory.models import Clinic, Clinician, CrawlRun, License, Location, Organisation
from directory.nppes_file import import_nppes_file
from localweb import nppes
from localweb.nppes_file import write_registry_records
from tests.conftest import new_database

REPOSITORY = Path(__file__).parents[2]
CLINIC_NPI = "1558000349"  # Calm Waters Ketamine Clinic PLLC: a mental-health clinic
PHARMACY_NPI = "1658003714"  # a compounding pharmacy: an organisation, not a clinic
AS_OF = date(2026, 11, 25)
ORGANISATION_FIELDS = ("npi", "name", "taxonomy_code", "state", "city", "postal_code")


def registry_record(npi: str) -> dict:
    """The local registry's result for one NPI."""
    return next(record for record in nppes.records() if str(record["number"]) == npi)


def crawl_registry(local_web, clinics, *npis: str) -> None:
    """Look the NPIs up in the local registry with the `nppes_api` spider."""
    sources = local_web.write_sources(clinics.workdir / "sources.toml")
    lookups = json.dumps([{"npi": npi} for npi in npis])
    subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "nppes_api", "-a", "source=nppes",
         "-a", f"lookups={lookups}", "-s", f"CLINICS_SOURCES={sources}",
         "-s", "LOG_LEVEL=WARNING"],
        cwd=REPOSITORY,
        env={**os.environ, "DATABASE_URL": clinics.database_url, "CLINICS_CRAWL_DELAY": "0"},
        check=True,
        timeout=300,
    )  # fmt: skip


def organisations(engine: Engine) -> set[tuple]:
    """The stored organisations, by the fields a verdict may name."""
    with Session(engine) as session:
        rows = session.scalars(select(Organisation)).all()
        return {tuple(getattr(row, name) for name in ORGANISATION_FIELDS) for row in rows}


def reasons_for_printed(engine: Engine, npi: str) -> list[str]:
    """The reasons given for a clinic whose one clinician is printed with this NPI."""
    with make_sessionmaker(engine)() as session:
        clinic = Clinic(key=f"test:{npi}", name="Calm Waters Ketamine Clinic")
        clinic.locations.append(Location(position=0, city="Austin", state="TX"))
        clinic.clinicians.append(
            Clinician(
                name="Jane Q. Doe, MD",
                name_key="doe|jane",
                first_name="Jane",
                last_name="Doe",
                credentials=["MD"],
                npi=npi,
            )
        )
        session.add(clinic)
        session.flush()
        reasons = [str(reason) for reason in assess(session, clinic, AS_OF).reasons]
        session.rollback()
        return reasons


@pytest.fixture(scope="module")
def from_file(tmp_path_factory) -> Engine:
    """A database that learnt of the same organisations from a dissemination file."""
    folder = tmp_path_factory.mktemp("nppes-file")
    records = [registry_record(CLINIC_NPI), registry_record(PHARMACY_NPI)]
    path = write_registry_records(folder / "npidata_pfile.csv", records)
    with new_database(folder) as url:
        engine = make_engine(url)
        upgrade(engine)
        import_nppes_file(make_sessionmaker(engine), path)
        yield engine
        engine.dispose()


def test_registry_organisations_are_stored_as_the_file_import_stores_them(
    local_web, clinics, crawled_engine, from_file
):
    crawl_registry(local_web, clinics, CLINIC_NPI, PHARMACY_NPI)
    stored = organisations(crawled_engine)
    assert stored == organisations(from_file)
    assert stored == {
        (CLINIC_NPI, "CALM WATERS KETAMINE CLINIC PLLC", "261QM0801X", "TX", "AUSTIN", "78703")
    }
    with Session(crawled_engine) as session:
        run = session.scalars(select(CrawlRun).where(CrawlRun.source_name == "nppes")).one()
        # An organisation holds no licence: neither source makes licence records of them.
        assert session.scalars(select(License)).all() == []
    assert run.counts["ingest/new"] == 1
    assert run.counts["skipped/not_a_clinic_organisation"] == 1

    crawl_registry(local_web, clinics, CLINIC_NPI)  # asked again: the same row, unchanged
    assert organisations(crawled_engine) == stored
    with Session(crawled_engine) as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
    assert runs[-1].counts["ingest/unchanged"] == 1


def test_a_printed_organisation_npi_is_said_so_whichever_source_told_of_it(
    local_web, clinics, crawled_engine, from_file
):
    if not organisations(crawled_engine):
        crawl_registry(local_web, clinics, CLINIC_NPI, PHARMACY_NPI)
    said = (
        "Jane Q. Doe, MD: the NPI printed for them, 1558000349, belongs to the organisation "
        "CALM WATERS KETAMINE CLINIC PLLC, not to a person."
    )
    from_api = reasons_for_printed(crawled_engine, CLINIC_NPI)
    assert said in from_api
    assert from_api == reasons_for_printed(from_file, CLINIC_NPI)
    # Neither source keeps the pharmacy, so neither says whose NPI it is.
    assert not any("organisation" in r for r in reasons_for_printed(crawled_engine, PHARMACY_NPI))
    assert reasons_for_printed(from_file, PHARMACY_NPI) == reasons_for_printed(
        crawled_engine, PHARMACY_NPI
    )
