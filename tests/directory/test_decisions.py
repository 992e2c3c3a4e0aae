"""Maintainers' decisions on candidate matches: stored, and remembered across crawls and checks."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from directory.licensing import verify_listings
from directory.licensing.decisions import (
    DecisionError,
    pending_candidates,
    record_decision,
)
from directory.models import Clinic, Clinician, Verification
from directory.vocab import Decision, LicenseType, Verdict
from tests.directory.test_licensing import AS_OF, clinic_with, licence, person


def newest(session, clinic: Clinic) -> Verification:
    return session.scalars(
        select(Verification)
        .where(Verification.clinic_id == clinic.id)
        .order_by(Verification.id.desc())
        .limit(1)
    ).one()


def test_a_weak_fit_waits_for_a_maintainer_then_counts_once_confirmed(session):
    clinic = clinic_with(session, person("Katherine", "Ng", ["MD"]))
    row = licence(session, "CATHERINE", "Ng", LicenseType.MD, "M1")
    verify_listings(session, AS_OF)
    assert clinic.verdict == Verdict.UNVERIFIED
    (waiting,) = pending_candidates(session)
    assert (waiting.clinic_id, waiting.license_id, waiting.ambiguous) == (clinic.id, row.id, False)

    record_decision(
        session, clinic.clinicians[0], row, Decision.CONFIRMED, decided_by="ana@example.org"
    )
    assert clinic.needs_check is True
    assert verify_listings(session, AS_OF) == {Verdict.VERIFIED: 1}
    (evidence,) = newest(session, clinic).evidence
    assert (evidence["match"], evidence["candidate"]) == ("maintainer", False)
    assert "matched by maintainer" in newest(session, clinic).reasons[0]
    assert pending_candidates(session) == []


def test_a_decision_outlives_the_rows_a_recrawl_rebuilds(session):
    clinic = clinic_with(session, person("Katherine", "Ng", ["MD"]))
    row = licence(session, "CATHERINE", "Ng", LicenseType.MD, "M1")
    record_decision(session, clinic.clinicians[0], row, Decision.CONFIRMED, decided_by="ana")
    # The listing's clinician and the board's row are deleted and stored afresh.
    clinic.clinicians.clear()
    session.delete(row)
    session.flush()
    clinic.clinicians.append(person("Katherine", "Ng", ["MD"]))
    licence(session, "CATHERINE", "Ng", LicenseType.MD, "M1")
    verify_listings(session, AS_OF, everything=True)
    assert clinic.verdict == Verdict.VERIFIED


def test_rejecting_one_namesake_leaves_the_other(session):
    clinic = clinic_with(session, person("John", "Smith", ["MD"]))
    houston = licence(session, "John", "Smith", LicenseType.MD, "M1", city="Houston")
    licence(session, "John", "Smith", LicenseType.MD, "M2", city="Dallas")
    verify_listings(session, AS_OF)
    assert clinic.verdict == Verdict.UNVERIFIED
    assert {c.ambiguous for c in pending_candidates(session)} == {True}
    record_decision(session, clinic.clinicians[0], houston, Decision.REJECTED, decided_by="ana")
    verify_listings(session, AS_OF)
    assert clinic.verdict == Verdict.VERIFIED
    assert [e["number"] for e in newest(session, clinic).evidence] == ["M2"]


def test_the_newest_decision_is_in_force(session):
    clinic = clinic_with(session, person("Katherine", "Ng", ["MD"]))
    row = licence(session, "CATHERINE", "Ng", LicenseType.MD, "M1")
    clinician = clinic.clinicians[0]
    then = datetime(2026, 11, 1, tzinfo=UTC)
    record_decision(session, clinician, row, Decision.CONFIRMED, decided_by="a", decided_at=then)
    record_decision(
        session,
        clinician,
        row,
        Decision.REJECTED,
        decided_by="b",
        note="another Catherine Ng",
        decided_at=then + timedelta(days=1),
    )
    verify_listings(session, AS_OF)
    assert clinic.verdict == Verdict.UNVERIFIED
    assert newest(session, clinic).evidence == []
    assert pending_candidates(session) == []


def test_a_decision_names_who_made_it(session):
    clinic = clinic_with(session, person("Katherine", "Ng", ["MD"]))
    row = licence(session, "CATHERINE", "Ng", LicenseType.MD, "M1")
    clinician: Clinician = clinic.clinicians[0]
    with pytest.raises(DecisionError, match="name the maintainer"):
        record_decision(session, clinician, row, Decision.CONFIRMED, decided_by="  ")
