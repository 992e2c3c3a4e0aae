"""Ingest: idempotent upserts, provenance, merging sources, and crawl runs (on both databases)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from directory import ingest
from directory.models import Clinic, CrawlRun, Exclusion, FieldSource, License, LicenseChange
from directory.normalise.hours import OpeningHours
from directory.normalise.records import (
    ClinicianRecord,
    ExclusionRecord,
    LicenseRecord,
    ListingRecord,
    LocationRecord,
)
from directory.sources import Source
from directory.vocab import CrawlOutcome, LicenseStatus, LicenseType, Modality, SourceKind

T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)
SITE = "http://127.0.0.1:8801/"

LOCATION = LocationRecord(
    street="1201 W 6th St Ste 200",
    city="Austin",
    state="TX",
    postal_code="78703",
    lat=30.29,
    lon=-97.76,
    phone="+15125550142",
    raw=None,
)
JANE = ClinicianRecord(
    name="Jane Q. Doe, MD",
    name_key="doe|jane",
    first_name="Jane",
    middle_name="Q.",
    last_name="Doe",
    suffix=None,
    credentials_raw="MD",
    credentials=("MD",),
    npi="1679576722",
    license_number=None,
)
LISTING = ListingRecord(
    key="site:127.0.0.1:8801",
    name="Calm Waters Ketamine Clinic",
    website=SITE,
    locations=(LOCATION,),
    clinicians=(JANE,),
    modalities=(Modality.IV_INFUSION,),
    conditions=(),
    source_name="clinic-sites",
    source_url=SITE,
    retrieved_at=T0,
)
LICENSE = LicenseRecord(
    source_name="tx-licenses",
    state="TX",
    license_type=LicenseType.MD,
    license_type_raw="Physician (MD)",
    license_number="Q1234",
    first_name="Jane",
    middle_name="Q",
    last_name="DOE",
    last_key="doe",
    last_key_head=None,
    last_key_tail=None,
    last_key_sound=None,
    suffix=None,
    full_name="Jane Q Doe",
    specialty=None,
    status=LicenseStatus.ACTIVE,
    status_raw="ACTIVE",
    issue_date=date(2015, 6, 1),
    expiration_date=date(2027, 8, 31),
    city="Austin",
    postal_code="78703",
    npi=None,
    source_url="http://127.0.0.1:8807/resource/tx7m-4qbd.json",
    retrieved_at=T0,
)


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_same_listing_twice_is_new_then_unchanged(session):
    assert ingest.ingest_listing(session, LISTING) is CrawlOutcome.NEW
    later = replace(LISTING, retrieved_at=T0 + timedelta(days=7))
    assert ingest.ingest_listing(session, later) is CrawlOutcome.UNCHANGED
    clinic = session.scalars(select(Clinic)).one()
    assert len(clinic.locations) == 1
    assert len(clinic.clinicians) == 1
    assert clinic.last_seen == later.retrieved_at
    assert {f.field for f in clinic.field_sources} == {
        "name",
        "website",
        "locations",
        "clinicians",
        "services",
    }
    assert all(f.retrieved_at == later.retrieved_at for f in clinic.field_sources)


def test_changed_phone_is_an_update_and_marks_the_listing_for_checking(session):
    ingest.ingest_listing(session, LISTING)
    clinic = session.scalars(select(Clinic)).one()
    clinic.needs_check = False
    moved = replace(LISTING, locations=(replace(LOCATION, phone="+15125550199"),))
    assert ingest.ingest_listing(session, moved) is CrawlOutcome.UPDATED
    assert clinic.locations[0].phone == "+15125550199"
    assert clinic.needs_check is True


def test_a_directory_fills_gaps_but_does_not_override_the_clinic_s_own_site(session):
    ingest.ingest_listing(session, LISTING)
    from_directory = replace(
        LISTING,
        name="Calm Waters Clinic (Austin)",
        locations=(replace(LOCATION, phone="+15125550000"),),
        modalities=(Modality.INTRANASAL_ESKETAMINE,),
        source_name="ketamine-finder",
        source_url="http://127.0.0.1:8805/clinics/calm-waters/",
    )
    assert ingest.ingest_listing(session, from_directory) is CrawlOutcome.UPDATED
    clinic = session.scalars(select(Clinic)).one()
    assert clinic.name == "Calm Waters Ketamine Clinic"
    assert clinic.locations[0].phone == "+15125550142"
    assert clinic.modalities == ["intranasal_esketamine", "iv_infusion"]
    sources = {(f.source_name, f.field) for f in session.scalars(select(FieldSource))}
    assert ("ketamine-finder", "services") in sources


def test_hours_are_stored_with_their_source_and_a_page_without_hours_keeps_them(session):
    hours = (OpeningHours("mo", "09:00", "17:00"), OpeningHours("sa", "10:00", "14:00"))
    with_hours = replace(LISTING, locations=(replace(LOCATION, hours=hours),))
    assert ingest.ingest_listing(session, with_hours) is CrawlOutcome.NEW
    clinic = session.scalars(select(Clinic)).one()
    session.expire_all()  # read back what the database holds
    assert clinic.locations[0].hours == [
        {"day": "mo", "opens": "09:00", "closes": "17:00"},
        {"day": "sa", "opens": "10:00", "closes": "14:00"},
    ]
    assert ("clinic-sites", "hours") in {(f.source_name, f.field) for f in clinic.field_sources}

    later = replace(LISTING, retrieved_at=T0 + timedelta(days=7))  # its pages print no hours
    assert ingest.ingest_listing(session, later) is CrawlOutcome.UNCHANGED
    assert clinic.locations[0].hours[1] == {"day": "sa", "opens": "10:00", "closes": "14:00"}

    from_directory = replace(
        LISTING,
        locations=(replace(LOCATION, hours=(OpeningHours("su", "08:00", "09:00"),)),),
        source_name="ketamine-finder",
        source_url="http://127.0.0.1:8805/clinics/calm-waters/",
    )
    ingest.ingest_listing(session, from_directory)
    assert [opening["day"] for opening in clinic.locations[0].hours] == ["mo", "sa"]


def test_licence_upsert_is_idempotent_and_ignores_retrieval_time(session):
    assert ingest.ingest_license(session, LICENSE) is CrawlOutcome.NEW
    again = replace(LICENSE, retrieved_at=T0 + timedelta(days=1))
    assert ingest.ingest_license(session, again) is CrawlOutcome.UNCHANGED
    lapsed = replace(
        again,
        status=LicenseStatus.EXPIRED,
        status_raw="EXPIRED",
        retrieved_at=T0 + timedelta(days=2),
    )
    assert ingest.ingest_license(session, lapsed) is CrawlOutcome.UPDATED
    row = session.scalars(select(License)).one()
    assert (row.status, row.last_key, row.retrieved_at) == ("expired", "doe", lapsed.retrieved_at)
    (change,) = session.scalars(select(LicenseChange))
    assert (change.license_id, change.old_status, change.new_status) == (
        row.id,
        "active",
        "expired",
    )
    # Last seen active at the second retrieval, first seen expired at the third.
    assert (change.last_seen_old, change.first_seen_new) == (
        again.retrieved_at,
        lapsed.retrieved_at,
    )


def test_exclusion_upsert_is_idempotent(session):
    record = ExclusionRecord(
        source_name="oig-leie",
        record_key="a" * 64,
        first_name="JOHN",
        middle_name=None,
        last_name="SMITH",
        last_key="smith",
        business_name=None,
        general="IND- LIC HC SERV PRO",
        specialty="NURSE ANESTHETIST (CRNA)",
        npi="1932160383",
        state="TX",
        city="HOUSTON",
        postal_code="77006",
        exclusion_type="1128b4",
        excluded_on=date(2024, 1, 15),
        reinstated_on=None,
        waiver_on=None,
        source_url="http://127.0.0.1:8809/exclusions/downloadables/UPDATED.csv",
        retrieved_at=T0,
    )
    assert ingest.ingest_exclusion(session, record) is CrawlOutcome.NEW
    assert ingest.ingest_exclusion(session, record) is CrawlOutcome.UNCHANGED
    assert session.scalars(select(Exclusion)).one().last_key == "smith"


def test_crawl_run_records_counts_and_errors(session):
    source = Source(name="oig-leie", kind=SourceKind.LEIE_CSV, url="https://x/")
    run = ingest.start_run(session, source)
    assert run.status == "running"
    ingest.finish_run(
        session,
        run,
        status="finished",
        counts={"ingest/new": 3, "skipped/malformed_row": 1},
        errors=["malformed_row: line 9"],
        error_count=0,
    )
    stored = session.get(CrawlRun, run.id)
    assert stored.counts == {"ingest/new": 3, "skipped/malformed_row": 1}
    assert stored.errors == ["malformed_row: line 9"]
    assert stored.finished_at is not None
    assert count(session, CrawlRun) == 1
