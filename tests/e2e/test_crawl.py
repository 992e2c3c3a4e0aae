"""Real crawls of the local public web over HTTP: `clinics crawl` as a user runs it."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.models import Clinic, CrawlRun, Exclusion, FieldSource, License, Location
from localweb.clock import shift_for

EXPECTED_VERDICTS = {
    "Calm Waters Ketamine Clinic": "verified",
    "Lone Star Ketamine Infusions": "license_problem",
    "Hill Country Ketamine & Wellness": "out_of_state",
    "New Dawn Ketamine Center": "unverified",
    "Bayou City Ketamine": "license_problem",
    "Gulf Coast Mind Clinic": "verified",
    "Mile High Ketamine": "verified",
    "Cheesman Park Ketamine": "unverified",  # found in OpenStreetMap only
}
TABLES = (Clinic, Location, FieldSource, License, Exclusion)


@pytest.fixture(scope="module")
def sources_file(local_web, clinics) -> Path:
    return local_web.write_sources(clinics.workdir / "sources.toml")


@pytest.fixture(scope="module")
def first_crawl(clinics, sources_file):
    """The output of the first full crawl."""
    return clinics.run("crawl", "--sources", str(sources_file))


def row_counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in TABLES
        }


def runs(engine) -> list[CrawlRun]:
    with Session(engine) as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def test_crawl_gives_every_listing_its_verdict(first_crawl, crawled_engine):
    with Session(crawled_engine) as session:
        verdicts = {c.name: c.verdict for c in session.scalars(select(Clinic))}
    assert verdicts == EXPECTED_VERDICTS
    assert "Verified 8 listing(s)" in first_crawl.stdout


def test_crawl_records_a_run_per_source_with_counted_skips(first_crawl, crawled_engine):
    by_source = {run.source_name: run for run in runs(crawled_engine)}
    assert set(by_source) == {
        "clinic-sites",
        "ketamine-finder",
        "nppes-organisations",
        "nppes",
        "tx-licenses",
        "co-licenses",
        "oig-leie",
        "osm-clinics",
    }
    assert all(run.status == "finished" and run.finished_at for run in by_source.values())
    assert by_source["clinic-sites"].counts["ingest/new"] == 4
    assert by_source["ketamine-finder"].counts["dropped/missing_name"] == 1
    assert by_source["tx-licenses"].counts["dropped/missing_license_number"] == 1
    assert by_source["tx-licenses"].counts["ingest/new"] == 2504  # three SODA pages
    assert by_source["oig-leie"].counts["skipped/malformed_row"] == 1
    assert any("malformed_row" in e for e in by_source["oig-leie"].errors)


def test_own_site_directory_and_registry_merge_into_one_listing(first_crawl, crawled_engine):
    with Session(crawled_engine) as session:
        calm = session.scalars(select(Clinic).where(Clinic.name.like("Calm Waters%"))).one()
        sources = {f.source_name for f in calm.field_sources}
        assert sources == {"clinic-sites", "ketamine-finder", "nppes-organisations"}
        # The directory followed its link to the clinic's own site and read it there too.
        assert {f.source_url for f in calm.field_sources if f.source_name == "ketamine-finder"} >= {
            calm.website
        }
        assert [loc.phone for loc in calm.locations] == ["+15125550142"]
        # The clinic's own site names them, with credentials given separately, and it wins.
        people = {(c.name, tuple(c.credentials), c.npi) for c in calm.clinicians}
        assert people == {("Jane Q. Doe", ("MD",), "1679576722"), ("Sam Rivera", ("LPC",), None)}
        # OpenStreetMap spells the street out; the shared phone and building make it one clinic.
        lone_star = session.scalars(select(Clinic).where(Clinic.name.like("Lone Star%"))).one()
        assert "osm-clinics" in {f.source_name for f in lone_star.field_sources}
        assert len(lone_star.locations) == 1


def test_verdicts_keep_their_evidence(first_crawl, crawled_engine):
    with Session(crawled_engine) as session:
        lone_star = session.scalars(select(Clinic).where(Clinic.name.like("Lone Star%"))).one()
        (verification,) = lone_star.verifications
    lapsed = date(2025, 3, 31) + shift_for(date.today())  # the local web serves dates as of today
    assert verification.reasons == [
        f"Dr. Raj Patel's MD licence N5678 in TX expired on {lapsed.isoformat()}."
    ]
    state_record = next(e for e in verification.evidence if e["source"] == "tx-licenses")
    assert state_record["status"] == "expired"
    assert state_record["number"] == "N5678"
    assert state_record["retrieved_at"]
    assert state_record["match"] in {"npi", "license_number"}


def test_crawl_obeys_robots_txt(first_crawl, local_web):
    paths = [(site, path.split("?")[0]) for site, path in local_web.requests]
    assert ("calm-waters", "/robots.txt") in paths
    assert ("calm-waters", "/") in paths
    assert not any(path.startswith("/private/") for _, path in paths)


def test_crawling_twice_stores_the_same_rows(first_crawl, clinics, sources_file, crawled_engine):
    before = row_counts(crawled_engine)
    with Session(crawled_engine) as session:
        histories = session.scalar(
            select(func.count()).select_from(Clinic.verifications.property.mapper)
        )
    clinics.run("crawl", "--sources", str(sources_file))
    assert row_counts(crawled_engine) == before
    second = runs(crawled_engine)[-8:]
    assert all("ingest/new" not in run.counts for run in second)
    assert all(run.counts.get("ingest/updated", 0) == 0 for run in second)
    with Session(crawled_engine) as session:
        assert (
            session.scalar(select(func.count()).select_from(Clinic.verifications.property.mapper))
            == histories
        )


def test_a_failing_source_loses_nothing_already_stored(
    first_crawl, clinics, sources_file, crawled_engine
):
    broken = sources_file.read_text().replace("/exclusions/downloadables/UPDATED.csv", "/gone.csv")
    broken_file = sources_file.with_name("broken.toml")
    broken_file.write_text(broken)
    before = row_counts(crawled_engine)
    result = clinics.run("crawl", "--sources", str(broken_file), "--source", "oig-leie")
    assert re.search(r"oig-leie \(leie_csv\): failed in \d+\.\d s", result.stdout)
    failed = runs(crawled_engine)[-1]
    assert failed.findings == ["nothing retrieved: 1 error(s) or skip(s)"]
    assert failed.counts.get("skipped/download_failed") == 1
    assert failed.counts.get("http/404") == 1
    assert row_counts(crawled_engine) == before
    with Session(crawled_engine) as session:
        bayou = session.scalars(select(Clinic).where(Clinic.name == "Bayou City Ketamine")).one()
        assert bayou.verdict == "license_problem"


def test_export_writes_one_documented_listing_per_line(first_crawl, clinics):
    lines = clinics.run("export").stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(EXPECTED_VERDICTS)
    record = next(r for r in records if r["name"] == "Bayou City Ketamine")
    assert set(record) == {
        "id",
        "name",
        "website",
        "source_urls",
        "locations",
        "modalities",
        "conditions",
        "clinicians",
        "verification",
        "under_review",
        "possibly_closed",
    }
    assert record["locations"][0]["postal_code"] == "77006"
    assert record["locations"][0]["lat"] == pytest.approx(29.74, abs=0.05)
    (smith,) = record["clinicians"]
    assert smith["excluded"] is True
    assert smith["credentials"] == ["CRNA"]
    assert {"state", "type", "number", "status", "expires", "source"} <= set(smith["licenses"][0])
    assert record["verification"]["status"] == "license_problem"
    assert record["verification"]["checked_at"]


def test_export_to_a_file(first_crawl, clinics):
    target = clinics.workdir / "export.jsonl"
    clinics.run("export", "--output", str(target))
    assert len(target.read_text(encoding="utf-8").splitlines()) == len(EXPECTED_VERDICTS)


def test_reports_list_expiring_licences_and_status_changes(first_crawl, clinics):
    expiring = clinics.run("report", "expiring", "--days", "3650").stdout
    assert "Calm Waters Ketamine Clinic" in expiring
    assert "MD licence Q1234 in TX (tx-licenses)" in expiring
    assert "licence N5678" not in expiring  # expired already
    changes = clinics.run("report", "changes").stdout
    assert changes.strip().endswith("licence status change(s) in the last 7 days.")


def test_services_come_from_what_each_clinic_says_it_offers(first_crawl, crawled_engine):
    with Session(crawled_engine) as session:
        services = {c.name: (c.modalities, c.conditions) for c in session.scalars(select(Clinic))}
    # "an alternative to IV infusions" and a blog post about PTSD research are not services.
    assert services["Hill Country Ketamine & Wellness"] == (
        ["intramuscular", "oral_sublingual"],
        ["anxiety", "depression"],
    )
    assert services["Calm Waters Ketamine Clinic"][0] == [
        "intranasal_esketamine",
        "iv_infusion",
        "ketamine_assisted_psychotherapy",
    ]


def possibly_closed(engine) -> set[str]:
    with Session(engine) as session:
        return set(session.scalars(select(Clinic.name).where(Clinic.possibly_closed)))


def test_a_listing_gone_from_its_source_is_kept_and_after_three_runs_possibly_closed(
    first_crawl, clinics, sources_file, crawled_engine
):
    without_new_dawn = sources_file.with_name("without-new-dawn.toml")
    text = sources_file.read_text()
    new_dawn_url = re.search(r'"(http://127\.0\.0\.1:\d+/)",\s*# New Dawn', text).group(1)
    without_new_dawn.write_text(text.replace(f'"{new_dawn_url}",', ""))
    dead_directory = sources_file.with_name("dead-directory.toml")
    dead_directory.write_text(text.replace("/clinics/?page=1", "/gone/"))
    before = row_counts(crawled_engine)

    for _ in range(3):  # the directory is down: its runs read nothing, and change nothing
        clinics.run("crawl", "--sources", str(dead_directory), "--source", "ketamine-finder")
    assert possibly_closed(crawled_engine) == set()

    for run in range(3):
        clinics.run("crawl", "--sources", str(without_new_dawn), "--source", "clinic-sites")
        closed = possibly_closed(crawled_engine)
        assert closed == (set() if run < 2 else {"New Dawn Ketamine Center"})
    assert row_counts(crawled_engine) == before

    clinics.run("crawl", "--sources", str(sources_file), "--source", "clinic-sites")
    assert possibly_closed(crawled_engine) == set()


def test_a_directory_with_a_schema_org_item_list_is_crawled_without_selectors(
    first_crawl, clinics, sources_file, crawled_engine
):
    text = sources_file.read_text()
    finder_url = re.search(r'url = "(http://[^"]+/clinics/\?page=1)"', text).group(1)
    item_list = sources_file.with_name("item-list.toml")
    item_list.write_text(
        f'[[source]]\nname = "finder-item-list"\nkind = "directory"\nurl = "{finder_url}"\n'
    )
    clinics.run("crawl", "--sources", str(item_list))
    run = runs(crawled_engine)[-1]
    assert run.source_name == "finder-item-list"
    assert run.counts["item_scraped_count"] == 5  # every profile on both pages
    # The one new listing is the profile whose page omits its name: the item list names it.
    assert run.counts["ingest/new"] == 1
    with Session(crawled_engine) as session:
        assert session.scalars(
            select(Clinic).where(Clinic.name == "Serenity Infusion Lounge")
        ).one()


def test_crawl_stores_stated_hours_and_counts_unreadable_ones(first_crawl, crawled_engine):
    with Session(crawled_engine) as session:
        clinic = session.scalars(select(Clinic).where(Clinic.name.like("Calm Waters%"))).one()
        hours = {(o["day"], o["opens"], o["closes"]) for loc in clinic.locations for o in loc.hours}
        sources = {f.field for f in clinic.field_sources}
        hill_country = session.scalars(
            select(Clinic).where(Clinic.name.like("Hill Country%"))
        ).one()
        printed = {(o["day"], o["opens"], o["closes"]) for o in hill_country.locations[0].hours}
    assert hours == {(day, "08:00", "18:00") for day in ("mo", "tu", "we", "th")} | {
        ("fr", "08:00", "14:00")
    }
    assert "hours" in sources
    by_source = {run.source_name: run for run in runs(crawled_engine)}
    # Hill Country prints "Office hours: Tuesday–Saturday, 9–5": without am/pm, 9 am to 5 pm;
    # its "Sunday & Monday by appointment" states no time, so it is counted, not read
    assert printed == {(day, "09:00", "17:00") for day in ("tu", "we", "th", "fr", "sa")}
    assert by_source["clinic-sites"].counts["skipped/unreadable_hours"] >= 1
