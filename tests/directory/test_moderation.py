"""Flags, verdict overrides, re-checks, hiding, merging and the audit log, on both databases."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from directory import audit
from directory.accounts import add_user
from directory.licensing import verify_listings
from directory.licensing.decisions import pending_candidates
from directory.listings import listing_record, under_review
from directory.models import AuditEntry, Clinic, MatchDecision, Verification
from directory.moderation import (
    DuplicateFlagError,
    ModerationError,
    Report,
    confirm_flag,
    decide_candidate,
    dismiss_flag,
    file_flag,
    hide_listing,
    lift_override,
    merge_listings,
    open_flags,
    recheck_listing,
    resolved_flags,
    restore_listing,
)
from directory.search import search_clinics
from directory.vocab import (
    Decision,
    FlagReason,
    FlagStatus,
    LicenseStatus,
    LicenseType,
    Role,
    Verdict,
)
from tests.clinic_factories import add_clinic
from tests.directory.test_licensing import clinic_with, licence, person

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
AS_OF = date(2026, 11, 25)
DOWNTOWN = (30.2713, -97.7426)
REPORT = Report(FlagReason.NO_PRESCRIBER, "Only a coach is named.", "https://board.example/x", None)


@pytest.fixture
def maintainer(session):
    return add_user(session, "Mo@Example.org", "correct horse battery", Role.MAINTAINER)


def test_a_flag_marks_the_listing_under_review_without_hiding_it(session):
    clinic = add_clinic(session, "Flagged", [DOWNTOWN])
    flag = file_flag(session, clinic, REPORT, "hash-a")

    assert flag.status == FlagStatus.OPEN
    assert under_review(clinic)
    assert open_flags(session) == [flag]
    assert [hit.clinic for hit in search_clinics(session, "78701", 5).hits] == [clinic]
    assert listing_record(clinic)["under_review"] is True


def test_the_same_reporter_cannot_flag_a_listing_twice_while_it_is_open(session, maintainer):
    clinic = add_clinic(session, "Flagged", [DOWNTOWN])
    first = file_flag(session, clinic, REPORT, "hash-a")

    with pytest.raises(DuplicateFlagError) as refused:
        file_flag(session, clinic, REPORT, "hash-a")
    assert refused.value.existing is first
    file_flag(session, clinic, REPORT, "hash-b")  # someone else may
    dismiss_flag(session, first, maintainer, "Coach works under Dr Lee.", NOW)
    file_flag(session, clinic, REPORT, "hash-a")  # and after it is resolved, so may they
    assert len(clinic.flags) == 3


def test_confirming_sets_an_override_that_survives_the_checker(session, maintainer):
    doctor = person("Ann", "Lee", ["MD"])
    clinic = clinic_with(session, doctor)
    licence(session, "Ann", "Lee", LicenseType.MD, "Q1")
    verify_listings(session, AS_OF, clinic_ids=[clinic.id])
    assert clinic.verdict == Verdict.VERIFIED
    flag = file_flag(session, clinic, REPORT, "hash-a")

    override = confirm_flag(
        session, flag, maintainer, Verdict.LICENSE_PROBLEM, "Board order 2026-11.", NOW
    )
    verify_listings(session, AS_OF, everything=True)  # the checker runs again

    assert clinic.verdict == Verdict.LICENSE_PROBLEM
    newest = session.scalars(select(Verification).where(Verification.clinic_id == clinic.id)).all()[
        -1
    ]
    assert newest.verdict == Verdict.VERIFIED  # the checker's own verdict is kept as it was
    record = listing_record(clinic)
    assert record["verification"]["status"] == "license_problem"
    assert record["verification"]["override"]["reason"] == "Board order 2026-11."
    assert record["under_review"] is False
    assert override.set_by_id == maintainer.id
    assert resolved_flags(clinic) == [flag]
    assert flag.status == FlagStatus.CONFIRMED
    assert flag.resolution == "Board order 2026-11."


def test_a_resolved_flag_cannot_be_resolved_again(session, maintainer):
    clinic = add_clinic(session, "Flagged", [DOWNTOWN])
    flag = file_flag(session, clinic, REPORT, "hash-a")
    dismiss_flag(session, flag, maintainer, "Not so.", NOW)

    with pytest.raises(ModerationError, match="already dismissed"):
        confirm_flag(session, flag, maintainer, Verdict.UNVERIFIED, "Replay", NOW)
    with pytest.raises(ModerationError, match="already dismissed"):
        dismiss_flag(session, flag, maintainer, "Replay", NOW)
    assert clinic.overrides == []
    assert [entry.action for entry in audit.entries(session, clinic.id)] == ["flag.dismiss"]


def test_decisions_need_a_reason(session, maintainer):
    clinic = add_clinic(session, "Flagged", [DOWNTOWN])
    flag = file_flag(session, clinic, REPORT, "hash-a")

    with pytest.raises(ModerationError, match="reason"):
        dismiss_flag(session, flag, maintainer, "   ", NOW)
    assert flag.status == FlagStatus.OPEN


def test_every_action_is_audited_with_who_what_when_before_and_after(session, maintainer):
    clinic = add_clinic(session, "Flagged", [DOWNTOWN], Verdict.VERIFIED)
    flag = file_flag(session, clinic, REPORT, "hash-a")
    confirm_flag(session, flag, maintainer, Verdict.UNVERIFIED, "Nobody licensed.", NOW)

    entry = audit.entries(session, clinic.id)[0]
    assert (entry.actor, entry.actor_id, entry.action) == (
        "mo@example.org",
        maintainer.id,
        "flag.confirm",
    )
    assert entry.target == f"flag {flag.id}"
    assert entry.before["verdict"] == "verified"
    assert entry.before["override"] is None
    assert entry.before["flag"]["status"] == "open"
    assert entry.after["verdict"] == "unverified"
    assert entry.after["override"] == {"verdict": "unverified", "reason": "Nobody licensed."}
    assert entry.after["flag"]["status"] == "confirmed"
    assert entry.at is not None
    exported = audit.entry_record(entry)
    assert exported["actor"] == "mo@example.org"
    assert exported["after"] == entry.after


def test_the_audit_log_refuses_changes_and_deletions(session, maintainer):
    entry = audit.entries(session)[0]  # the account's creation
    assert entry.action == "user.add"
    assert entry.actor == audit.COMMAND_LINE

    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(update(AuditEntry).values(actor="someone else"))
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(delete(AuditEntry))


def test_recheck_runs_the_licensing_check_now(session, maintainer):
    clinic = clinic_with(session, person("Ann", "Lee", ["MD"]))
    assert clinic.verdict == Verdict.UNVERIFIED  # never checked
    licence(session, "Ann", "Lee", LicenseType.MD, "Q1")

    assert recheck_listing(session, clinic, maintainer, AS_OF) == Verdict.VERIFIED
    entry = audit.entries(session, clinic.id)[0]
    assert entry.action == "listing.recheck"
    assert (entry.before["verdict"], entry.after["verdict"]) == ("unverified", "verified")


def test_hidden_listings_leave_search_and_come_back_when_restored(session, maintainer):
    clinic = add_clinic(session, "Closed Clinic", [DOWNTOWN])
    hide_listing(session, clinic, maintainer, "Closed in 2025.", NOW)

    assert search_clinics(session, "78701", 5).hits == []
    with pytest.raises(ModerationError, match="already hidden"):
        hide_listing(session, clinic, maintainer, "Again", NOW)
    restore_listing(session, clinic, maintainer, "Reopened.")
    assert [hit.clinic for hit in search_clinics(session, "78701", 5).hits] == [clinic]
    actions = [entry.action for entry in audit.entries(session, clinic.id)]
    assert actions == ["listing.restore", "listing.hide"]


def test_merging_retires_the_duplicate_and_moves_its_flags(session, maintainer):
    kept = add_clinic(session, "Calm Waters Ketamine", [DOWNTOWN])
    duplicate = add_clinic(session, "Calm Waters Ketamine Clinic", [DOWNTOWN])
    flag = file_flag(session, duplicate, REPORT, "hash-a")

    with pytest.raises(ModerationError, match="itself"):
        merge_listings(session, kept, kept, maintainer, "Same", NOW)
    merge_listings(session, duplicate, kept, maintainer, "Same clinic, two directories.", NOW)

    assert duplicate.removal.merged_into_id == kept.id
    assert flag.clinic_id == kept.id
    assert under_review(kept)
    assert [hit.clinic for hit in search_clinics(session, "78701", 5).hits] == [kept]
    with pytest.raises(ModerationError, match="hidden or merged"):
        merge_listings(session, kept, duplicate, maintainer, "Back", NOW)
    entry = audit.entries(session, duplicate.id)[0]
    assert entry.after["merged_into"] == kept.id
    assert entry.after["flags_moved"] == [flag.id]
    assert session.get(Clinic, duplicate.id) is duplicate  # kept, so a re-crawl finds it


def test_lifting_an_override_shows_the_checker_s_verdict_again(session, maintainer):
    clinic = clinic_with(session, person("Ann", "Lee", ["MD"]))
    licence(session, "Ann", "Lee", LicenseType.MD, "Q1")
    verify_listings(session, AS_OF, clinic_ids=[clinic.id])
    flag = file_flag(session, clinic, REPORT, "hash-a")
    confirm_flag(session, flag, maintainer, Verdict.LICENSE_PROBLEM, "Board order.", NOW)

    lift_override(session, clinic, maintainer, "The order was about another Ann Lee.", NOW)
    verify_listings(session, AS_OF, everything=True)

    assert clinic.verdict == Verdict.VERIFIED
    assert listing_record(clinic)["verification"]["override"] is None
    assert clinic.overrides[0].lifted_reason == "The order was about another Ann Lee."
    with pytest.raises(ModerationError, match="No maintainer's verdict"):
        lift_override(session, clinic, maintainer, "Again", NOW)
    entry = audit.entries(session, clinic.id)[0]
    assert entry.action == "override.lift"
    assert (entry.before["verdict"], entry.after["verdict"]) == ("license_problem", "verified")


def weak_fit(session, status: LicenseStatus = LicenseStatus.ACTIVE, state: str = "TX"):
    """A listing naming Katherine Ng, MD, checked against a board record for CATHERINE Ng."""
    clinic = clinic_with(session, person("Katherine", "Ng", ["MD"]))
    row = licence(session, "CATHERINE", "Ng", LicenseType.MD, "M1", state=state, status=status)
    verify_listings(session, AS_OF)
    return clinic, clinic.clinicians[0], row


def decide(session, clinician, row, decision, maintainer, note="") -> Verdict:
    """A maintainer's decision through the one orchestration the site and the CLI share."""
    return decide_candidate(
        session,
        clinician,
        row,
        decision,
        decided_by=maintainer.email,
        actor=maintainer,
        note=note,
        as_of=AS_OF,
    )


def test_confirming_a_candidate_verifies_the_listing_and_is_audited(session, maintainer):
    clinic, clinician, row = weak_fit(session)
    assert clinic.verdict == Verdict.UNVERIFIED

    verdict = decide(session, clinician, row, Decision.CONFIRMED, maintainer, " Same NPI. ")

    assert verdict == clinic.verdict == Verdict.VERIFIED
    stored = session.scalars(select(MatchDecision)).one()
    assert (stored.decided_by, stored.note) == ("mo@example.org", "Same NPI.")
    assert pending_candidates(session) == []
    entry = audit.entries(session, clinic.id)[0]
    assert (entry.actor, entry.action) == ("mo@example.org", "candidate.confirm")
    assert entry.target == f"clinician {clinician.id} licence {row.id}"
    assert (entry.before["verdict"], entry.after["verdict"]) == ("unverified", "verified")
    assert entry.before["candidate"]["decision"] is None
    assert entry.before["candidate"]["kind"] == "weak fit"
    assert (
        entry.after["candidate"] | {"note": "Same NPI.", "decision": "confirmed"}
        == (entry.after["candidate"])
    )


def test_confirming_an_expired_candidate_does_not_verify(session, maintainer):
    clinic, clinician, row = weak_fit(session, LicenseStatus.EXPIRED)

    verdict = decide(session, clinician, row, Decision.CONFIRMED, maintainer)

    assert verdict == Verdict.LICENSE_PROBLEM


def test_a_rejection_holds_across_the_next_checks(session, maintainer):
    clinic, clinician, row = weak_fit(session)

    verdict = decide(session, clinician, row, Decision.REJECTED, maintainer, "Another person.")
    verify_listings(session, AS_OF, everything=True)

    assert verdict == clinic.verdict == Verdict.UNVERIFIED
    assert pending_candidates(session) == []
    assert audit.entries(session, clinic.id)[0].action == "candidate.reject"


def test_a_replayed_or_stale_decision_changes_nothing(session, maintainer):
    clinic, clinician, row = weak_fit(session)
    decide(session, clinician, row, Decision.REJECTED, maintainer)
    stranger = licence(session, "Nobody", "Else", LicenseType.MD, "M9")
    logged = len(audit.entries(session))

    with pytest.raises(ModerationError, match="already rejected by mo@example.org"):
        decide(session, clinician, row, Decision.CONFIRMED, maintainer)
    with pytest.raises(ModerationError, match="not a candidate"):
        decide(session, clinician, stranger, Decision.CONFIRMED, maintainer)

    assert len(session.scalars(select(MatchDecision)).all()) == 1
    assert len(audit.entries(session)) == logged
    assert clinic.verdict == Verdict.UNVERIFIED


def test_an_over_long_note_is_refused(session, maintainer):
    _, clinician, row = weak_fit(session)

    with pytest.raises(ModerationError, match="Keep the note under"):
        decide(session, clinician, row, Decision.CONFIRMED, maintainer, "x" * 501)
    assert session.scalars(select(MatchDecision)).all() == []
