"""Listings that disappear: kept, and possibly closed only after complete runs miss them."""

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from directory import ingest
from directory.listings import listing_record
from directory.models import Clinic
from directory.normalise.records import ListingRecord
from directory.sources import Source
from directory.vocab import SourceKind
from tests.directory.test_ingest import LISTING, T0

SITES = Source(name="clinic-sites", kind=SourceKind.CLINIC_SITES, urls=["http://x/"])
FINDER = Source(name="ketamine-finder", kind=SourceKind.DIRECTORY, url="http://finder/")
OTHER = replace(
    LISTING,
    key="site:other.example",
    name="Other Ketamine",
    website="https://other.example/",
    locations=(replace(LISTING.locations[0], street="900 Lamar Blvd", phone="+15125550177"),),
)


def crawl(session, source, listings, *, status="finished", error_count=0, day=0):
    """One crawl run of `source` that reads `listings`, recorded and closed as the pipeline does."""
    run = ingest.start_run(session, source)
    for listing in listings:
        when = T0 + timedelta(days=day)
        ingest.ingest_listing(
            session, replace(listing, source_name=source.name, retrieved_at=when), run.id
        )
    ingest.finish_run(
        session,
        run,
        status=status,
        counts={"item_scraped_count": len(listings)},
        errors=[],
        error_count=error_count,
    )
    ingest.count_misses(session, run)
    return run


def clinic(session, listing: ListingRecord) -> Clinic:
    return session.scalars(select(Clinic).where(Clinic.key == listing.key)).one()


def test_a_listing_missed_by_complete_runs_is_kept_and_only_then_possibly_closed(session):
    crawl(session, SITES, [LISTING, OTHER])
    for day in range(1, ingest.MISSED_RUNS_BEFORE_CLOSED):
        crawl(session, SITES, [OTHER], day=day)
        assert not clinic(session, LISTING).possibly_closed
    crawl(session, SITES, [OTHER], day=9)
    calm = clinic(session, LISTING)
    assert calm.possibly_closed
    assert (calm.name, len(calm.locations), len(calm.clinicians)) == (LISTING.name, 1, 1)
    assert not clinic(session, OTHER).possibly_closed
    assert listing_record(calm)["possibly_closed"] is True


def test_a_listing_seen_again_is_open_again(session):
    crawl(session, SITES, [LISTING, OTHER])
    for day in range(1, ingest.MISSED_RUNS_BEFORE_CLOSED + 1):
        crawl(session, SITES, [OTHER], day=day)
    assert clinic(session, LISTING).possibly_closed
    crawl(session, SITES, [LISTING, OTHER], day=10)
    assert not clinic(session, LISTING).possibly_closed
    assert clinic(session, LISTING).sightings[0].missed_runs == 0


@pytest.mark.parametrize(
    ("status", "error_count", "listings"),
    [
        ("stopped: closespider_errorcount", 0, [OTHER]),  # cut short
        ("stopped: shutdown", 0, [OTHER]),  # Ctrl-C
        ("finished", 2, [OTHER]),  # errors along the way
        ("finished", 0, []),  # the source was down: nothing read at all
        ("suspect", 0, [OTHER]),  # a monitor tripped: a redesign, not closures
        ("failed", 0, [OTHER]),  # a shard failed
    ],
)
def test_a_failed_or_cut_short_run_changes_nothing(session, status, error_count, listings):
    crawl(session, SITES, [LISTING, OTHER])
    for day in range(1, ingest.MISSED_RUNS_BEFORE_CLOSED + 3):
        crawl(session, SITES, listings, status=status, error_count=error_count, day=day)
    calm = clinic(session, LISTING)
    assert not calm.possibly_closed
    assert calm.sightings[0].missed_runs == 0


def test_a_clinic_two_sources_list_is_possibly_closed_only_when_both_miss_it(session):
    crawl(session, SITES, [LISTING, OTHER])
    crawl(session, FINDER, [LISTING, OTHER])
    for day in range(1, ingest.MISSED_RUNS_BEFORE_CLOSED + 1):
        crawl(session, SITES, [OTHER], day=day)
        crawl(session, FINDER, [LISTING, OTHER], day=day)
    assert not clinic(session, LISTING).possibly_closed
    for day in range(5, 5 + ingest.MISSED_RUNS_BEFORE_CLOSED):
        crawl(session, FINDER, [OTHER], day=day)
    assert clinic(session, LISTING).possibly_closed


def test_runs_of_another_source_do_not_count_against_a_listing(session):
    crawl(session, SITES, [LISTING])
    for day in range(1, ingest.MISSED_RUNS_BEFORE_CLOSED + 2):
        crawl(session, FINDER, [OTHER], day=day)
    assert not clinic(session, LISTING).possibly_closed
