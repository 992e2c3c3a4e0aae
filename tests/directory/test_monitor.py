"""Monitoring: licences about to expire, and status changes, on the database under test."""

from datetime import UTC, date, datetime, timedelta

from directory.licensing import verify_listings
from directory.licensing.monitor import (
    expiring_licences,
    listing_changes,
    notify_changes,
    status_changes,
)
from directory.models import Clinic, Exclusion, License, LicenseChange, Verification
from directory.notify import Channels
from directory.vocab import LicenseStatus, LicenseType
from tests.directory.conftest import Received
from tests.directory.test_licensing import RETRIEVED, clinic_with, licence, person

AS_OF = date(2026, 11, 25)
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def evidence(number: str, expires: str | None, status: str = "active", **extra) -> dict:
    return {
        "kind": "license",
        "clinician_id": 1,
        "clinician": "Jane Doe, MD",
        "source": "tx-board",
        "state": "TX",
        "type": "MD",
        "number": number,
        "status": status,
        "expires": expires,
        **extra,
    }


def test_expiring_lists_active_licences_listings_rely_on_within_the_window(session):
    clinic = Clinic(key="k", name="Calm Waters")
    clinic.verifications.append(
        Verification(
            verdict="verified",
            as_of=AS_OF,
            checked_at=T0,
            evidence=[
                evidence("SOON", "2027-01-10"),
                evidence("LATER", "2027-06-01"),
                evidence("GONE", "2026-11-01", status="expired"),
                evidence("NAMESAKE", "2026-12-01", ambiguous=True),
                evidence("OPEN", None),
                {"kind": "exclusion", "clinician_id": 1, "clinician": "x"},
            ],
        )
    )
    session.add(clinic)
    session.flush()
    (soon,) = expiring_licences(session, AS_OF, days=60)
    assert (soon.clinic_name, soon.expires, soon.description) == (
        "Calm Waters",
        date(2027, 1, 10),
        "MD licence SOON in TX",
    )
    assert [x.description for x in expiring_licences(session, AS_OF, days=365)] == [
        "MD licence SOON in TX",
        "MD licence LATER in TX",
    ]


def test_status_changes_since_a_moment_newest_first(session):
    licence = License(
        source_name="tx-board",
        state="TX",
        license_type="MD",
        license_number="Q1",
        last_name="DOE",
        last_key="doe",
        full_name="Jane Doe",
        status="expired",
        source_url="https://example/",
        retrieved_at=T0,
    )
    session.add(licence)
    session.flush()
    for days in (1, 5, 30):
        session.add(
            LicenseChange(
                license_id=licence.id,
                old_status="active",
                new_status="expired",
                last_seen_old=T0 - timedelta(days=days + 1),
                first_seen_new=T0 - timedelta(days=days),
            )
        )
    session.flush()
    changes = status_changes(session, T0 - timedelta(days=7))
    assert [c.first_seen_new for c in changes] == [T0 - timedelta(days=1), T0 - timedelta(days=5)]
    assert changes[0].license.license_number == "Q1"


def test_a_recheck_keeps_each_status_change_in_the_listing_history_with_both_dates(session):
    clinic = clinic_with(session, person("Jane", "Doe", ["MD"]))
    row = licence(session, "Jane", "Doe", LicenseType.MD, "Q1")
    row.expiration_date = date(2028, 1, 1)
    verify_listings(session, AS_OF, everything=True)
    assert clinic.changes == []
    row.status, row.retrieved_at = LicenseStatus.EXPIRED, RETRIEVED + timedelta(days=3)
    verify_listings(session, AS_OF + timedelta(days=3), everything=True)
    (change,) = clinic.changes
    assert (change.clinician, change.record) == ("Jane Doe, MD", "MD licence Q1 in TX (tx-board)")
    assert (change.old_status, change.new_status) == ("active", "expired")
    assert (change.last_seen_old, change.first_seen_new) == (
        RETRIEVED,
        RETRIEVED + timedelta(days=3),
    )
    verify_listings(session, AS_OF + timedelta(days=4), everything=True)
    assert len(clinic.changes) == 1  # seen once, kept once


def test_a_new_exclusion_and_its_lifting_are_changes_too(session):
    clinic = clinic_with(session, person("Jane", "Doe", ["MD"], npi="1234567893"))
    licence(session, "Jane", "Doe", LicenseType.MD, "Q1", npi="1234567893")
    verify_listings(session, AS_OF, everything=True)
    exclusion = Exclusion(
        source_name="oig-leie",
        record_key="k1",
        first_name="JANE",
        last_name="DOE",
        last_key="doe",
        npi="1234567893",
        excluded_on=date(2026, 11, 20),
        source_url="https://oig.example/",
        retrieved_at=RETRIEVED + timedelta(days=1),
    )
    session.add(exclusion)
    session.flush()
    verify_listings(session, AS_OF, everything=True)
    exclusion.reinstated_on = AS_OF
    verify_listings(session, AS_OF, everything=True)
    assert [(c.old_status, c.new_status) for c in clinic.changes] == [
        ("not excluded", "excluded"),
        ("excluded", "not excluded"),
    ]
    assert clinic.changes[0].record == "OIG exclusion of 2026-11-20 (oig-leie)"
    assert clinic.changes[0].first_seen_new == RETRIEVED + timedelta(days=1)


def test_a_licence_coming_within_sixty_days_of_expiry_is_reported_once(session):
    clinic = clinic_with(session, person("Jane", "Doe", ["MD"]))
    licence(session, "Jane", "Doe", LicenseType.MD, "Q1").expiration_date = date(2027, 3, 1)
    verify_listings(session, AS_OF, everything=True)
    assert clinic.changes == []  # 96 days away
    verify_listings(session, date(2027, 1, 5), everything=True)
    verify_listings(session, date(2027, 1, 6), everything=True)
    (change,) = clinic.changes
    assert (change.old_status, change.new_status, change.expires) == (
        "active",
        "expiring",
        date(2027, 3, 1),
    )


def test_changes_are_notified_once_with_the_licences_expiring_soon(session, webhook):
    clinic = clinic_with(session, person("Jane", "Doe", ["MD"]))
    row = licence(session, "Jane", "Doe", LicenseType.MD, "Q1")
    other = licence(session, "Jane", "Doe", LicenseType.MD, "Q2", state="OK")
    other.expiration_date = AS_OF + timedelta(days=20)
    verify_listings(session, AS_OF, everything=True)
    channels = Channels(webhook_url=webhook)
    assert notify_changes(session, AS_OF, channels) == 1  # Q2 came close to expiring
    row.status = LicenseStatus.SUSPENDED
    verify_listings(session, AS_OF, everything=True)
    assert notify_changes(session, AS_OF, channels) == 1
    assert notify_changes(session, AS_OF, channels) == 0
    _, posted = Received.bodies[-1]
    assert posted["kind"] == "licence_changes"
    (change,) = posted["details"]["changes"]
    assert change["clinic"] == clinic.name
    assert (change["old_status"], change["new_status"]) == ("active", "suspended")
    assert [e["description"] for e in posted["details"]["expiring"]] == ["MD licence Q2 in OK"]
    assert all(c.notified_at is not None for c in clinic.changes)


def test_undelivered_changes_wait_for_the_next_notification(session):
    clinic_with(session, person("Jane", "Doe", ["MD"]))
    licence(session, "Jane", "Doe", LicenseType.MD, "Q1").expiration_date = AS_OF
    verify_listings(session, AS_OF, everything=True)
    assert notify_changes(session, AS_OF, Channels()) == 0
    (change,) = listing_changes(session, RETRIEVED - timedelta(days=1))
    assert change.notified_at is None
