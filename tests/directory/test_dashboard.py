"""The dashboard's figures: runs per source, and daily counts of listings by state and verdict."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from directory.dashboard import (
    count_verdicts,
    record_verdict_counts,
    run_figures,
    runs_by_source,
    verdict_history,
)
from directory.licensing import verify_listings
from directory.models import Clinic, CrawlRun, ListingRemoval, Location, VerdictCount, utcnow
from directory.vocab import Verdict

STARTED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def listing(session, name: str, states: list[str | None], verdict: Verdict) -> Clinic:
    clinic = Clinic(key=name, name=name, modalities=[], conditions=[], verdict=verdict)
    clinic.locations = [Location(position=n, state=state) for n, state in enumerate(states)]
    session.add(clinic)
    session.flush()
    return clinic


def test_public_listings_are_counted_in_each_of_their_states(session):
    listing(session, "a", ["TX"], Verdict.VERIFIED)
    listing(session, "b", ["TX", "TX"], Verdict.VERIFIED)  # two locations, one listing
    listing(session, "c", ["TX", "CO"], Verdict.UNVERIFIED)
    listing(session, "d", [None], Verdict.LICENSE_PROBLEM)
    listing(session, "e", [], Verdict.UNVERIFIED)
    hidden = listing(session, "f", ["TX"], Verdict.VERIFIED)
    hidden.removal = ListingRemoval(reason="spam", removed_at=utcnow())
    session.flush()
    assert count_verdicts(session) == {
        ("TX", Verdict.VERIFIED): 2,
        ("TX", Verdict.UNVERIFIED): 1,
        ("CO", Verdict.UNVERIFIED): 1,
        ("", Verdict.LICENSE_PROBLEM): 1,
        ("", Verdict.UNVERIFIED): 1,
    }


def test_a_days_counts_are_replaced_and_earlier_days_kept(session):
    clinic = listing(session, "a", ["TX"], Verdict.UNVERIFIED)
    record_verdict_counts(session, date(2026, 11, 29))
    record_verdict_counts(session, date(2026, 11, 30))
    clinic.verdict = Verdict.VERIFIED
    session.flush()
    record_verdict_counts(session, date(2026, 11, 30))
    rows = session.execute(
        select(
            VerdictCount.day, VerdictCount.state, VerdictCount.verdict, VerdictCount.listings
        ).order_by(VerdictCount.day)
    ).all()
    assert [tuple(row) for row in rows] == [
        (date(2026, 11, 29), "TX", "unverified", 1),
        (date(2026, 11, 30), "TX", "verified", 1),
    ]
    (texas,) = verdict_history(session, date(2026, 11, 1))
    assert texas.state == "TX"
    assert texas.days == (date(2026, 11, 29), date(2026, 11, 30))
    assert texas.counts == {Verdict.VERIFIED: (0, 1), Verdict.UNVERIFIED: (1, 0)}
    assert [s.days for s in verdict_history(session, date(2026, 11, 30))] == [(date(2026, 11, 30),)]


def test_every_verification_records_the_days_counts(session):
    listing(session, "a", ["CO"], Verdict.VERIFIED)
    listing(session, "b", [None], Verdict.VERIFIED)
    verify_listings(session, date(2026, 11, 30), everything=True)
    history = verdict_history(session, utcnow().date() - timedelta(days=1))
    assert [(state.state, state.counts) for state in history] == [
        ("CO", {Verdict.UNVERIFIED: (1,)}),  # nobody named: unverified now
        ("", {Verdict.UNVERIFIED: (1,)}),  # no state comes last
    ]


def add_run(session, source: str, status: str = "finished", errors: int = 0) -> CrawlRun:
    run = CrawlRun(
        source_name=source,
        source_kind="clinic_sites",
        status=status,
        started_at=STARTED,
        finished_at=STARTED + timedelta(seconds=90) if status != "running" else None,
        counts={},
        errors=[],
        error_count=errors,
    )
    session.add(run)
    session.flush()
    return run


def test_a_runs_figures_are_its_duration_pages_items_drops_and_errors(session):
    run = add_run(session, "sites", errors=3)
    run.counts = {
        "response_received_count": 12,
        "item_scraped_count": 5,
        "dropped/no_name": 2,
        "skipped/duplicate": 1,
        "new": 4,
    }
    figures = run_figures(run)
    assert (figures.seconds, figures.pages, figures.items, figures.drops, figures.errors) == (
        90.0,
        12,
        5,
        3,
        3,
    )
    assert figures.error_rate == 0.25
    running = run_figures(add_run(session, "sites", status="running"))
    assert (running.seconds, running.error_rate) == (None, None)


def test_the_latest_runs_of_each_source_are_shown_newest_first(session):
    ids = [add_run(session, "sites").id for _ in range(4)]
    other = add_run(session, "oig").id
    add_run(session, "oig", status="planned")  # not yet holding the lock: not a run yet
    shown = runs_by_source(session, 3)
    assert list(shown) == ["oig", "sites"]
    assert [run.run_id for run in shown["sites"]] == ids[:0:-1]
    assert [run.run_id for run in shown["oig"]] == [other]
