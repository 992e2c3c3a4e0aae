"""A registry question with more answers than the registry gives: split by ZIP code, over HTTP."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.items import NpiRecordItem
from directory.models import License
from directory.normalise.licenses import normalise_npi_record
from localweb import nppes

REPOSITORY = Path(__file__).parents[2]


def namesakes() -> list[dict]:
    """The local registry's records with the namesakes' surname and a Texas address."""
    return [
        record
        for record in nppes.records()
        if record["basic"].get("last_name") == nppes.NAMESAKE_SURNAME
        and any(address["state"] == "TX" for address in record["addresses"])
    ]


def namesake_licences() -> set[tuple[str, str, str]]:
    """The licences (state, type, number) the local registry's namesakes list."""
    found = set()
    for record in namesakes():
        item = NpiRecordItem(
            source_name="x", source_url="x", retrieved_at=datetime.now(UTC), record=record
        )
        found |= {(r.state, r.license_type, r.license_number) for r in normalise_npi_record(item)}
    return found


def test_a_saturated_question_is_split_by_zip_prefix_and_deduplicated(
    local_web, clinics, crawled_engine
):
    sources = local_web.write_sources(clinics.workdir / "sources.toml")
    lookups = json.dumps([{"last_name": nppes.NAMESAKE_SURNAME, "state": "TX"}])
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "nppes_api",
            "-a",
            "source=nppes",
            "-a",
            f"lookups={lookups}",
            "-s",
            f"CLINICS_SOURCES={sources}",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=REPOSITORY,
        env={**os.environ, "DATABASE_URL": clinics.database_url, "CLINICS_CRAWL_DELAY": "0"},
        check=True,
        timeout=600,
    )
    asked = [
        parse_qs(urlsplit(path).query)
        for site, path in local_web.requests
        if site == "nppes" and nppes.NAMESAKE_SURNAME in path
    ]
    prefixes = {query["postal_code"][0] for query in asked if "postal_code" in query}
    assert {"77*", "775*", "774*"} <= prefixes  # 77* saturated too, so it was split again
    assert max(int(query["skip"][0]) for query in asked) == 1000
    with Session(crawled_engine) as session:
        stored = {
            tuple(row)
            for row in session.execute(
                select(License.state, License.license_type, License.license_number).where(
                    License.source_name == "nppes"
                )
            )
        }
    assert len(namesakes()) > 1200  # more than one question can return
    assert stored >= namesake_licences()
