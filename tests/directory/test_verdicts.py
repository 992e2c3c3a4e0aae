"""The verdict rules, on hand-made records: no database, an explicit date."""

from datetime import UTC, date, datetime

import pytest

from directory.licensing.rules import load_rules
from directory.licensing.verdicts import (
    ClinicianFindings,
    ExclusionMatch,
    LicenseMatch,
    decide,
    effective_status,
)
from directory.models import Clinician, Exclusion, License
from directory.vocab import LicenseStatus, LicenseType, Verdict

AS_OF = date(2026, 11, 25)
RETRIEVED = datetime(2026, 11, 24, 12, tzinfo=UTC)


def licence(state="TX", status=LicenseStatus.ACTIVE, kind=LicenseType.MD, expires=None, id=1):
    return License(
        id=id,
        source_name=f"{state.lower()}-board",
        source_url="https://example/",
        retrieved_at=RETRIEVED,
        state=state,
        license_type=kind,
        license_number=f"N{id}",
        last_name="DOE",
        full_name="Jane Doe",
        status=status,
        expiration_date=expires,
    )


def found(*licences, excluded=False, name="Jane Doe, MD", id=1, credentials=("MD",)):
    clinician = Clinician(
        id=id, name=name, name_key="doe|jane", last_name="Doe", credentials=list(credentials)
    )
    exclusions = []
    if excluded:
        exclusion = Exclusion(
            id=9,
            source_name="oig-leie",
            source_url="https://example/leie.csv",
            retrieved_at=RETRIEVED,
            excluded_on=date(2024, 1, 15),
            exclusion_type="1128b4",
        )
        exclusions.append(ExclusionMatch(exclusion, "npi"))
    matches = [LicenseMatch(lic, "name", 95.0, "name similarity 95/100") for lic in licences]
    return ClinicianFindings(clinician, matches, exclusions)


def test_nobody_named_is_unverified():
    assessment = decide({"TX"}, [], AS_OF)
    assert assessment.verdict is Verdict.UNVERIFIED
    assert assessment.reasons == ["The listing names no clinician."]


def test_active_prescriber_licence_in_state_verifies_with_evidence():
    assessment = decide({"TX"}, [found(licence())], AS_OF)
    assert assessment.verdict is Verdict.VERIFIED
    assert "Jane Doe, MD holds an active MD licence N1 in TX" in assessment.reasons[0]
    (evidence,) = assessment.evidence
    assert evidence["kind"] == "license"
    assert evidence["status"] == "active"
    assert evidence["source"] == "tx-board"
    assert evidence["retrieved_at"] == RETRIEVED.isoformat()
    assert evidence["match"] == "name"


@pytest.mark.parametrize("kind", [LicenseType.RN, LicenseType.LPC, LicenseType.OTHER])
def test_active_licence_of_a_non_prescriber_type_does_not_verify(kind):
    assessment = decide({"TX"}, [found(licence(kind=kind))], AS_OF)
    assert assessment.verdict is Verdict.UNVERIFIED


def test_unknown_status_never_verifies():
    assessment = decide({"TX"}, [found(licence(status=LicenseStatus.UNKNOWN))], AS_OF)
    assert assessment.verdict is Verdict.UNVERIFIED
    assert "no state source confirms its status" in assessment.reasons[0]


def test_active_licence_only_elsewhere_is_out_of_state():
    assessment = decide({"TX"}, [found(licence(state="CO"))], AS_OF)
    assert assessment.verdict is Verdict.OUT_OF_STATE
    assert assessment.reasons[-1] == "No matched clinician is licensed in TX."


@pytest.mark.parametrize(
    "status",
    [
        LicenseStatus.SUSPENDED,
        LicenseStatus.REVOKED,
        LicenseStatus.SURRENDERED,
        LicenseStatus.PROBATION,
    ],
)
def test_discipline_anywhere_is_a_licence_problem_even_beside_an_active_licence(status):
    findings = found(licence(), licence(state="CO", status=status, id=2))
    assert decide({"TX"}, [findings], AS_OF).verdict is Verdict.LICENSE_PROBLEM


def test_expired_in_state_licence_is_a_problem_unless_an_active_one_is_there_too():
    expired = licence(status=LicenseStatus.EXPIRED, expires=date(2025, 3, 31))
    assessment = decide({"TX"}, [found(expired)], AS_OF)
    assert assessment.verdict is Verdict.LICENSE_PROBLEM
    assert "expired on 2025-03-31" in assessment.reasons[0]
    renewed = decide({"TX"}, [found(expired, licence(id=2))], AS_OF)
    assert renewed.verdict is Verdict.VERIFIED


def test_the_day_a_licence_expired_is_a_date_param_of_its_reason():
    expired = licence(status=LicenseStatus.EXPIRED, expires=date(2025, 3, 31))
    (reason,) = decide({"TX"}, [found(expired)], AS_OF).reasons
    assert reason.params["day"] == date(2025, 3, 31)


def test_a_licence_recorded_expired_without_a_date_is_said_to_have_expired():
    expired = licence(status=LicenseStatus.EXPIRED)
    assert decide({"TX"}, [found(expired)], AS_OF).reasons == [
        "Jane Doe, MD's MD licence N1 in TX has expired."
    ]


def test_an_exclusion_without_a_date_is_said_without_one():
    findings = found(licence(), excluded=True)
    findings.exclusions[0].exclusion.excluded_on = None
    assert decide({"TX"}, [findings], AS_OF).reasons == [
        "Jane Doe, MD is on the OIG exclusion list."
    ]


def test_old_expired_licence_in_another_state_is_not_a_problem():
    old = licence(state="NY", status=LicenseStatus.EXPIRED, id=2)
    assert decide({"TX"}, [found(licence(), old)], AS_OF).verdict is Verdict.VERIFIED


def test_active_status_past_its_expiry_date_counts_as_expired():
    lapsed = licence(expires=date(2026, 11, 24))
    assert effective_status(lapsed, AS_OF) is LicenseStatus.EXPIRED
    assert effective_status(lapsed, date(2026, 11, 24)) is LicenseStatus.ACTIVE
    assert decide({"TX"}, [found(lapsed)], AS_OF).verdict is Verdict.LICENSE_PROBLEM


def test_exclusion_outranks_an_active_licence():
    assessment = decide({"TX"}, [found(licence(), excluded=True)], AS_OF)
    assert assessment.verdict is Verdict.LICENSE_PROBLEM
    assert assessment.reasons == ["Jane Doe, MD is on the OIG exclusion list since 2024-01-15."]
    assert [e["kind"] for e in assessment.evidence] == ["license", "exclusion"]


def test_one_problem_clinician_marks_the_whole_listing():
    good = found(licence(), name="Jane Doe, MD")
    bad = found(licence(status=LicenseStatus.REVOKED, id=2), name="John Roe, MD", id=2)
    assert decide({"TX"}, [good, bad], AS_OF).verdict is Verdict.LICENSE_PROBLEM


def test_nobody_matched_says_who():
    assessment = decide({"TX"}, [found()], AS_OF)
    assert assessment.verdict is Verdict.UNVERIFIED
    assert assessment.reasons == ["Jane Doe, MD could not be matched to any licence record."]


def test_only_therapists_named_is_unverified_with_no_prescriber_named():
    therapist = found(licence(kind=LicenseType.LPC), name="Sam Rivera, LPC", credentials=["LPC"])
    nurse = found(name="Ann Lee, RN", id=2, credentials=["RN"])
    assessment = decide({"TX"}, [therapist, nurse], AS_OF)
    assert assessment.verdict is Verdict.UNVERIFIED
    assert assessment.reasons == [
        "No prescriber named: no one listed (Sam Rivera, LPC; Ann Lee, RN) may stand behind "
        "ketamine therapy."
    ]


def test_someone_whose_credentials_are_unknown_may_still_be_the_prescriber():
    unknown = found(licence(), name="Jane Doe", credentials=())
    assert decide({"TX"}, [unknown], AS_OF).verdict is Verdict.VERIFIED


def test_verified_reasons_carry_the_conditions_on_practice():
    assistant = found(licence(kind=LicenseType.PA), name="Emily Chen, PA-C", credentials=["PA-C"])
    assessment = decide({"TX"}, [assistant], AS_OF)
    assert assessment.verdict is Verdict.VERIFIED
    assert "supervising or collaborating physician" in assessment.reasons[-1]


def test_a_state_that_does_not_allow_a_type_does_not_verify_it(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(
        '[default]\nprescribers = ["MD", "DO", "CRNA"]\n[states.TX]\nprescribers = ["MD"]\n'
    )
    rules = load_rules(path)
    anesthetist = found(licence(kind=LicenseType.CRNA), name="Jo Roe, CRNA", credentials=["CRNA"])
    assert decide({"TX"}, [anesthetist], AS_OF, rules).verdict is Verdict.UNVERIFIED
    assert (
        decide(
            {"CO"},
            [found(licence(state="CO", kind=LicenseType.CRNA), credentials=["CRNA"])],
            AS_OF,
            rules,
        ).verdict
        is Verdict.VERIFIED
    )
