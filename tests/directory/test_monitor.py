"""Monitoring: licences about to expire, and status changes, on the database under test."""

from datetime import UTC, date, datetime, timedelta

from directory.licensing.monitor import expiring_licences, status_changes
from directory.models import Clinic, License, LicenseChange, Verification

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
