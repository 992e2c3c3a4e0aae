"""The open-data listing record and the readers of a clinic's verification history."""

import json
from datetime import UTC, datetime, timedelta, timezone

from directory.listings import (
    evidence_by_clinician,
    listing_record,
    listing_records,
    newest_verification,
    verification_history,
)
from directory.models import Flag, VerdictOverride
from directory.search import get_clinic
from directory.vocab import Verdict
from tests.clinic_factories import (
    add_clinic,
    add_clinician,
    add_source,
    add_verification,
    exclusion_evidence,
    license_evidence,
)

EARLIER = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _reloaded(session, clinic):
    """The clinic as a fresh read from the database returns it."""
    clinic_id = clinic.id
    session.flush()
    session.expunge_all()
    return get_clinic(session, clinic_id)


def test_listing_record_follows_the_export_contract(session):
    clinic = add_clinic(
        session,
        "Hill Country Ketamine",
        [(30.27, -97.74), (30.5, -97.8)],
        website="https://hillcountry.example/",
        modalities=["iv_infusion", "intranasal_esketamine"],
        conditions=["depression", "ptsd"],
    )
    doe = add_clinician(session, clinic, "Jane Q. Doe, MD", credentials=["MD"], npi="1234567893")
    smith = add_clinician(session, clinic, "John Smith, CRNA", credentials=["CRNA"])
    add_source(session, clinic, "name", "clinic-sites", "https://hillcountry.example/about")
    add_source(session, clinic, "phone", "clinic-sites", "https://hillcountry.example/about")
    add_source(session, clinic, "name", "directory", "https://directory.example/hill")
    add_verification(
        session, clinic, Verdict.UNVERIFIED, EARLIER, ["No match yet."], [license_evidence(smith)]
    )
    add_verification(
        session,
        clinic,
        Verdict.LICENSE_PROBLEM,
        LATER,
        ["John Smith, CRNA is on the federal exclusion list."],
        [
            license_evidence(doe),
            license_evidence(doe, state="OK", number="MD5", status="expired", expires=None),
            exclusion_evidence(smith),
        ],
    )

    record = listing_record(_reloaded(session, clinic))

    assert record == {
        "id": clinic.id,
        "name": "Hill Country Ketamine",
        "website": "https://hillcountry.example/",
        "source_urls": ["https://directory.example/hill", "https://hillcountry.example/about"],
        "locations": [
            {
                "street": "100 Congress Ave",
                "city": "Austin",
                "state": "TX",
                "postal_code": "78701",
                "lat": 30.27,
                "lon": -97.74,
                "phone": "+15125550000",
                "hours": [],
            },
            {
                "street": "101 Congress Ave",
                "city": "Austin",
                "state": "TX",
                "postal_code": "78701",
                "lat": 30.5,
                "lon": -97.8,
                "phone": "+15125550001",
                "hours": [],
            },
        ],
        "modalities": ["iv_infusion", "intranasal_esketamine"],
        "conditions": ["depression", "ptsd"],
        "clinicians": [
            {
                "name": "Jane Q. Doe, MD",
                "credentials": ["MD"],
                "npi": "1234567893",
                "licenses": [
                    {
                        "state": "TX",
                        "type": "MD",
                        "number": "Q1234",
                        "status": "active",
                        "expires": "2027-08-31",
                        "source": "tx-medical-board",
                    },
                    {
                        "state": "OK",
                        "type": "MD",
                        "number": "MD5",
                        "status": "expired",
                        "expires": None,
                        "source": "tx-medical-board",
                    },
                ],
                "excluded": False,
            },
            {
                "name": "John Smith, CRNA",
                "credentials": ["CRNA"],
                "npi": None,
                "licenses": [],
                "excluded": True,
            },
        ],
        "verification": {
            "status": "license_problem",
            "checked_at": "2026-11-20T09:30:00+00:00",
            "reasons": ["John Smith, CRNA is on the federal exclusion list."],
            "reason_details": [
                {
                    "text": "John Smith, CRNA is on the federal exclusion list.",
                    "template": None,
                    "params": {},
                }
            ],
            "override": None,
        },
        "under_review": False,
        "possibly_closed": False,
    }
    assert json.loads(json.dumps(record)) == record


def test_listing_record_of_an_unchecked_clinic_is_unverified(session):
    clinic = add_clinic(session, "New Listing", [(30.27, -97.74)], Verdict.UNVERIFIED)
    add_clinician(session, clinic, "Ann Lee, NP")

    record = listing_record(_reloaded(session, clinic))

    assert record["verification"] == {
        "status": "unverified",
        "checked_at": None,
        "reasons": [],
        "reason_details": [],
        "override": None,
    }
    assert record["clinicians"][0]["licenses"] == []
    assert record["clinicians"][0]["excluded"] is False
    assert record["source_urls"] == []


def test_listing_record_gives_checked_at_in_utc(session):
    clinic = add_clinic(session, "Eastern Time", [(30.27, -97.74)])
    new_york = timezone(timedelta(hours=-5))
    add_verification(
        session, clinic, Verdict.VERIFIED, datetime(2026, 11, 20, 4, 30, tzinfo=new_york), [], []
    )

    record = listing_record(_reloaded(session, clinic))

    assert record["verification"]["checked_at"] == "2026-11-20T09:30:00+00:00"


def test_verification_history_is_newest_first(session):
    clinic = add_clinic(session, "Rechecked", [(30.27, -97.74)])
    middle = add_verification(session, clinic, Verdict.UNVERIFIED, EARLIER, [], [])
    newest = add_verification(session, clinic, Verdict.VERIFIED, LATER, [], [])
    oldest = add_verification(
        session, clinic, Verdict.UNVERIFIED, EARLIER - timedelta(days=9), [], []
    )

    reloaded = _reloaded(session, clinic)

    assert [v.id for v in verification_history(reloaded)] == [newest.id, middle.id, oldest.id]
    assert newest_verification(reloaded).id == newest.id


def test_evidence_is_grouped_by_clinician(session):
    clinic = add_clinic(session, "Grouped", [(30.27, -97.74)])
    doe = add_clinician(session, clinic, "Jane Doe, MD")
    roe = add_clinician(session, clinic, "Rick Roe, PA")
    items = [license_evidence(doe), exclusion_evidence(roe), license_evidence(roe, type="PA")]
    verification = add_verification(session, clinic, Verdict.LICENSE_PROBLEM, LATER, [], items)

    grouped = evidence_by_clinician(verification)

    assert grouped == {doe.id: items[:1], roe.id: items[1:]}
    assert evidence_by_clinician(None) == {}


def test_listing_records_read_as_rows_are_the_loaded_clinics_records(session):
    """Every rule a record applies to a loaded clinic gives the same answer read as rows."""
    full = add_clinic(
        session,
        "Full",
        [(30.27, -97.74), (30.5, -97.8), (None, None)],
        website="https://full.example/",
        modalities=["iv_infusion"],
        conditions=["ptsd", "anxiety"],
        possibly_closed=True,
    )
    doe = add_clinician(session, full, "Jane Doe, MD", credentials=["MD"], npi="1234567893")
    roe = add_clinician(session, full, "Rick Roe, PA", credentials=["PA"])
    add_clinician(session, full, 'José "Pepe" Núñez \\ Ortiz, MD', credentials=["MD", "PhD"])
    add_source(session, full, "name", "clinic-sites", "https://full.example/")
    add_source(session, full, "website", "clinic-sites", "https://full.example/")
    add_source(session, full, "name", "directory", "https://directory.example/full")
    add_verification(session, full, Verdict.VERIFIED, LATER, ["same time, lower id"], [])
    add_verification(
        session,
        full,
        Verdict.LICENSE_PROBLEM,
        LATER,
        ["newest, higher id"],
        [license_evidence(doe), license_evidence(doe, ambiguous=True), exclusion_evidence(roe)],
    )  # same checked_at: the higher id is the newer
    add_verification(session, full, Verdict.UNVERIFIED, EARLIER, ["older"], [])
    session.add(Flag(clinic_id=full.id, reason="closed", status="open"))
    session.add(Flag(clinic_id=full.id, reason="unsafe", status="resolved"))
    overridden = add_clinic(session, "Overridden", [(30.3, -97.7)])
    add_verification(session, overridden, Verdict.VERIFIED, LATER, ["checked"], [])
    session.add_all(
        [
            VerdictOverride(clinic_id=overridden.id, verdict=Verdict.VERIFIED, reason="old"),
            VerdictOverride(
                clinic_id=overridden.id, verdict=Verdict.LICENSE_PROBLEM, reason="in force"
            ),
        ]
    )
    lifted = add_clinic(session, "Lifted", [(30.3, -97.7)])
    session.add_all(
        [
            VerdictOverride(clinic_id=lifted.id, verdict=Verdict.VERIFIED, reason="earlier"),
            VerdictOverride(
                clinic_id=lifted.id, verdict=Verdict.UNVERIFIED, reason="lifted", lifted_at=LATER
            ),
        ]
    )  # the newest was lifted, so none is in force
    flagged_only = add_clinic(session, "Resolved flag", [(30.3, -97.7)])
    session.add(Flag(clinic_id=flagged_only.id, reason="closed", status="resolved"))
    bare = add_clinic(session, "Bare", [])
    clinics = [full, overridden, lifted, flagged_only, bare]
    ids = [clinic.id for clinic in clinics]
    session.flush()
    session.expunge_all()

    records = listing_records(session, ids)

    assert records == {
        clinic_id: listing_record(get_clinic(session, clinic_id)) for clinic_id in ids
    }
    assert records[full.id]["verification"]["reasons"] == ["newest, higher id"]
    assert records[full.id]["under_review"] is True
    assert records[overridden.id]["verification"]["override"]["reason"] == "in force"
    assert records[lifted.id]["verification"]["override"] is None
    assert records[flagged_only.id]["under_review"] is False
    assert listing_records(session, []) == {}
