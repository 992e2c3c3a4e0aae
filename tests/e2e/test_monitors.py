"""Crawls watched: a run out of line with the last successful one is suspect, maintainers are told
and nothing is downgraded; a licence that lapses between crawls is a change kept and told."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Clinic, CrawlRun, ListingChange
from localweb import Fault, soda
from tests.directory import conftest
from tests.directory.conftest import Received

webhook = conftest.webhook  # the local webhook server, as a fixture here too


def verdicts(engine) -> dict[str, str]:
    with Session(engine) as session:
        return {clinic.name: clinic.verdict for clinic in session.scalars(select(Clinic))}


def newest_first(engine) -> list[CrawlRun]:
    with Session(engine) as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())))


def test_a_suspect_run_is_kept_reported_and_downgrades_nothing(
    local_web,
    clinics,
    crawled_engine,
    webhook,
    monkeypatch,
):
    sources = local_web.write_sources(clinics.workdir / "sources.toml")
    crawl = ("crawl", "--sources", str(sources), "--source", "clinic-sites", "--source", "nppes")
    clinics.run(*crawl, "--source", "tx-licenses")
    before = verdicts(crawled_engine)
    assert before["Calm Waters Ketamine Clinic"] == "verified"

    monkeypatch.setenv("CLINICS_NOTIFY_WEBHOOK", webhook)
    for site in ("calm-waters", "lone-star-infusions"):  # half the clinic sites are gone today
        local_web.inject(site, "/", Fault(status=404))
    try:
        output = clinics.run(*crawl).stdout
    finally:
        local_web.clear_faults()
    run = next(r for r in newest_first(crawled_engine) if r.source_name == "clinic-sites")
    assert (run.status, run.findings) == ("suspect", ["items fell from 4 to 2"])
    assert "    items fell from 4 to 2" in output
    assert "Verification held back: suspect run(s) of clinic-sites." in output
    assert verdicts(crawled_engine) == before
    ((_, event),) = [body for body in Received.bodies if body[1]["kind"] == "crawl_suspect"]
    assert event["details"]["findings"] == ["items fell from 4 to 2"]
    assert event["details"]["source"] == "clinic-sites"

    clinics.run(*crawl)  # the sites are back: compared with the last successful run, all is well
    assert {run.status for run in newest_first(crawled_engine)[:2]} == {"finished"}
    assert verdicts(crawled_engine) == before


def calm_waters_changes(engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        changes = session.scalars(
            select(ListingChange)
            .join(Clinic)
            .where(
                Clinic.name == "Calm Waters Ketamine Clinic", ListingChange.record.contains("Q1234")
            )
            .order_by(ListingChange.id)
        )
        return [
            (change.old_status, change.new_status, change.last_seen_old < change.first_seen_new)
            for change in changes
        ]


def test_a_licence_that_lapses_between_crawls_is_a_change_kept_told_and_undone_on_renewal(
    local_web, clinics, crawled_engine, webhook, monkeypatch
):
    sources = local_web.write_sources(clinics.workdir / "sources.toml")
    crawl = ("crawl", "--sources", str(sources), "--source", "tx-licenses")
    clinics.run(*crawl, "--source", "clinic-sites", "--source", "nppes")
    assert verdicts(crawled_engine)["Calm Waters Ketamine Clinic"] == "verified"
    monkeypatch.setenv("CLINICS_NOTIFY_WEBHOOK", webhook)

    lapsed = {"license_status": "EXPIRED", "expiration_date": "2026-10-31T00:00:00.000"}
    with soda.amended("Q1234", **lapsed):  # the board's record of Dr. Doe's licence lapses
        clinics.run(*crawl)
    assert verdicts(crawled_engine)["Calm Waters Ketamine Clinic"] == "license_problem"
    assert calm_waters_changes(crawled_engine) == [("active", "expired", True)]
    ((_, event),) = [body for body in Received.bodies if body[1]["kind"] == "licence_changes"]
    (told,) = [c for c in event["details"]["changes"] if "Q1234" in c["record"]]
    assert (told["clinic"], told["old_status"], told["new_status"]) == (
        "Calm Waters Ketamine Clinic",
        "active",
        "expired",
    )
    assert "Q1234" in clinics.run("report", "changes").stdout

    clinics.run(*crawl)  # renewed: the board lists her as active again
    assert verdicts(crawled_engine)["Calm Waters Ketamine Clinic"] == "verified"
    assert calm_waters_changes(crawled_engine) == [
        ("active", "expired", True),
        ("expired", "active", True),
    ]
