"""Matching clinicians to records, and keeping verdict history, on the database under test."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from directory.licensing import clinician_lookups, verify_listings
from directory.licensing.checker import assess
from directory.models import (
    Clinic,
    Clinician,
    Exclusion,
    License,
    Location,
    Organisation,
    Verification,
)
from directory.normalise.names import fold_name
from directory.vocab import LicenseStatus, LicenseType, Verdict

AS_OF = date(2026, 11, 25)
RETRIEVED = datetime(2026, 11, 24, tzinfo=UTC)


def clinic_with(session, *people: Clinician, state: str = "TX", city: str = "Austin") -> Clinic:
    clinic = Clinic(key=f"test:{people[0].name_key if people else 'nobody'}", name="A Clinic")
    clinic.locations.append(Location(position=0, city=city, state=state, postal_code="78701"))
    clinic.clinicians.extend(people)
    session.add(clinic)
    session.flush()
    return clinic


def person(first: str, last: str, credentials: list[str], npi: str | None = None) -> Clinician:
    return Clinician(
        name=f"{first} {last}, {', '.join(credentials)}",
        name_key=f"{fold_name(last)}|{fold_name(first)}",
        first_name=first,
        last_name=last,
        credentials=credentials,
        npi=npi,
    )


def licence(
    session,
    first,
    last,
    kind,
    number,
    state="TX",
    status=LicenseStatus.ACTIVE,
    npi=None,
    city=None,
    middle=None,
):
    row = License(
        source_name="nppes" if status is LicenseStatus.UNKNOWN else f"{state.lower()}-board",
        state=state,
        license_type=kind,
        license_number=number,
        first_name=first,
        middle_name=middle,
        city=city,
        last_name=last.upper(),
        last_key=fold_name(last),
        full_name=f"{first} {last}",
        status=status,
        npi=npi,
        source_url="https://example/",
        retrieved_at=RETRIEVED,
    )
    session.add(row)
    session.flush()
    return row


def test_registry_npi_leads_to_the_state_record_by_licence_number(session):
    clinic = clinic_with(session, person("Jane", "Doe", ["MD"], npi="1679576722"))
    licence(
        session,
        "JANE",
        "Doe",
        LicenseType.MD,
        "Q1234",
        status=LicenseStatus.UNKNOWN,
        npi="1679576722",
    )
    # The state table spells her name differently; the number carries the match.
    licence(session, "Janet", "Doe-Smith", LicenseType.MD, "Q1234")
    assessment = assess(session, clinic, AS_OF)
    assert assessment.verdict is Verdict.VERIFIED
    state_record = next(e for e in assessment.evidence if e["source"] == "tx-board")
    assert state_record["match"] == "license_number"
    assert "NPI 1679576722" in state_record["why"]
    assert assessment.reasons[-1] == (
        "tx-board's record for MD licence Q1234 in TX is in the name of Janet Doe-Smith, "
        "not Jane Doe, MD."
    )


def test_a_printed_number_the_registry_contradicts_is_reported(session):
    jane = person("Jane", "Doe", ["MD"], npi="1679576722")
    jane.license_number = "Q9999"
    clinic = clinic_with(session, jane)
    licence(
        session,
        "Jane",
        "Doe",
        LicenseType.MD,
        "Q1234",
        status=LicenseStatus.UNKNOWN,
        npi="1679576722",
    )
    licence(session, "Jane", "Doe", LicenseType.MD, "Q1234")
    assessment = assess(session, clinic, AS_OF)
    assert assessment.verdict is Verdict.VERIFIED
    assert (
        "Jane Doe, MD: the clinic prints licence number Q9999, but the NPI registry lists Q1234."
        in assessment.reasons
    )


def test_a_registry_practice_address_away_from_the_clinic_is_reported(session):
    clinic = clinic_with(session, person("Jane", "Doe", ["MD"], npi="1679576722"))
    pointer = licence(
        session, "Jane", "Doe", LicenseType.MD, "Q1234", status=LicenseStatus.UNKNOWN,
        npi="1679576722", city="HOUSTON",
    )  # fmt: skip
    pointer.postal_code = "77006"
    licence(session, "Jane", "Doe", LicenseType.MD, "Q1234")
    assessment = assess(session, clinic, AS_OF)
    assert assessment.verdict is Verdict.VERIFIED  # a finding, not a problem
    said = (
        "Jane Doe, MD: the NPI registry gives their practice address as HOUSTON 77006, at none "
        "of this clinic's locations."
    )
    assert said in assessment.reasons
    pointer.city = "AUSTIN"  # the clinic's city: no disagreement
    assert not any("practice address" in r for r in assess(session, clinic, AS_OF).reasons)
    pointer.city, pointer.postal_code = "ROUND ROCK", "78701"  # the clinic's ZIP code: neither
    assert not any("practice address" in r for r in assess(session, clinic, AS_OF).reasons)


def test_a_namesake_s_registry_address_is_no_disagreement(session):
    clinic = clinic_with(session, person("Jane", "Doe", ["MD"]))  # no NPI printed
    licence(
        session, "Jane", "Doe", LicenseType.MD, "Q1234", status=LicenseStatus.UNKNOWN,
        npi="1679576722", city="HOUSTON",
    )  # fmt: skip
    assert not any("practice address" in r for r in assess(session, clinic, AS_OF).reasons)


def test_name_match_must_agree_with_credentials(session):
    clinic = clinic_with(session, person("John", "Smith", ["CRNA"]))
    licence(session, "John", "Smith", LicenseType.MD, "M1", state="TX")
    assert assess(session, clinic, AS_OF).verdict is Verdict.UNVERIFIED
    licence(session, "John", "Smith", LicenseType.CRNA, "AP1", state="TX")
    assessment = assess(session, clinic, AS_OF)
    assert assessment.verdict is Verdict.VERIFIED
    assert [e["number"] for e in assessment.evidence] == ["AP1"]


def test_physician_licence_covering_md_and_do_matches_a_do(session):
    clinic = clinic_with(session, person("Robert", "Kim", ["DO"]), state="CO")
    licence(session, "Robert", "Kim", LicenseType.MD, "DR.1", state="CO")
    assert assess(session, clinic, AS_OF).verdict is Verdict.VERIFIED


def test_dissimilar_first_name_is_not_a_match(session):
    clinic = clinic_with(session, person("Maria", "Lopez", ["NP"]))
    licence(session, "Mario", "Lopez", LicenseType.NP, "N1")
    licence(session, "Marisol", "Lopez", LicenseType.NP, "N2")
    assert assess(session, clinic, AS_OF).evidence == []


def test_exclusion_by_name_counts_until_reinstatement(session):
    clinic = clinic_with(session, person("John", "Smith", ["CRNA"]))
    licence(session, "John", "Smith", LicenseType.CRNA, "AP1")
    exclusion = Exclusion(
        source_name="oig-leie",
        record_key="k1",
        first_name="JOHN",
        last_name="SMITH",
        last_key="smith",
        state="TX",
        excluded_on=date(2024, 1, 15),
        exclusion_type="1128b4",
        source_url="https://example/UPDATED.csv",
        retrieved_at=RETRIEVED,
    )
    session.add(exclusion)
    session.flush()
    assert assess(session, clinic, AS_OF).verdict is Verdict.LICENSE_PROBLEM
    exclusion.reinstated_on = date(2026, 1, 1)
    session.flush()
    assert assess(session, clinic, AS_OF).verdict is Verdict.VERIFIED


def test_history_grows_only_when_the_outcome_changes(session):
    clinic = clinic_with(session, person("Jane", "Doe", ["MD"]))
    row = licence(session, "Jane", "Doe", LicenseType.MD, "Q1")
    assert verify_listings(session, AS_OF)[Verdict.VERIFIED] == 1
    assert clinic.needs_check is False
    assert verify_listings(session, AS_OF) == {}  # nothing changed, nothing checked
    verify_listings(session, AS_OF, everything=True)
    history = session.scalars(select(Verification).where(Verification.clinic_id == clinic.id))
    assert [v.verdict for v in history] == ["verified"]
    row.status = LicenseStatus.SUSPENDED
    session.flush()
    verify_listings(session, AS_OF, everything=True)
    history = session.scalars(
        select(Verification).where(Verification.clinic_id == clinic.id).order_by(Verification.id)
    )
    assert [v.verdict for v in history] == ["verified", "license_problem"]
    assert clinic.verdict == "license_problem"


def test_lookups_ask_by_npi_when_printed_else_by_name_in_each_clinic_state(session):
    clinic_with(session, person("Jane", "Doe", ["MD"], npi="1679576722"))
    clinic_with(session, person("Raj", "Patel", ["MD"]), state="TX")
    lookups = {(q.npi, q.first_name, q.last_name, q.state) for q in clinician_lookups(session)}
    assert lookups == {("1679576722", None, None, None), (None, "Raj", "Patel", "TX")}


def test_two_namesakes_in_the_state_are_ambiguous_not_a_guess(session):
    clinic = clinic_with(session, person("John", "Smith", ["MD"]), city="Austin")
    licence(session, "John", "Smith", LicenseType.MD, "M1", city="Houston")
    licence(session, "John", "Smith", LicenseType.MD, "M2", city="Dallas")
    assessment = assess(session, clinic, AS_OF)
    assert assessment.verdict is Verdict.UNVERIFIED
    assert "several licence holders share this name" in assessment.reasons[0]
    assert {(e["number"], e["ambiguous"]) for e in assessment.evidence} == {
        ("M1", True),
        ("M2", True),
    }


def test_the_clinic_s_city_tells_namesakes_apart(session):
    clinic = clinic_with(session, person("John", "Smith", ["MD"]), city="Houston")
    licence(session, "John", "Smith", LicenseType.MD, "M1", city="HOUSTON")
    licence(session, "John", "Smith", LicenseType.MD, "M2", city="Dallas")
    assessment = assess(session, clinic, AS_OF)
    assert assessment.verdict is Verdict.VERIFIED
    assert [e["number"] for e in assessment.evidence] == ["M1"]


def test_a_middle_initial_tells_namesakes_apart(session):
    john = person("John", "Smith", ["MD"])
    john.middle_name = "Q."
    clinic = clinic_with(session, john)
    licence(
        session,
        "John",
        "Smith",
        LicenseType.MD,
        "M1",
        middle="Quincy",
        status=LicenseStatus.REVOKED,
    )
    licence(session, "John", "Smith", LicenseType.MD, "M2", middle="Allen")
    assert assess(session, clinic, AS_OF).verdict is Verdict.LICENSE_PROBLEM


def test_a_printed_npi_outranks_namesakes(session):
    clinic = clinic_with(session, person("John", "Smith", ["MD"], npi="1003000126"))
    licence(
        session,
        "John",
        "Smith",
        LicenseType.MD,
        "M1",
        status=LicenseStatus.UNKNOWN,
        npi="1003000126",
    )
    licence(session, "John", "Smith", LicenseType.MD, "M1")
    licence(session, "John", "Smith", LicenseType.MD, "M2", status=LicenseStatus.REVOKED)
    assessment = assess(session, clinic, AS_OF)
    assert assessment.verdict is Verdict.VERIFIED
    assert {e["number"] for e in assessment.evidence} == {"M1"}


def test_an_organisations_npi_printed_for_a_clinician_is_said_so(session):
    session.add(
        Organisation(
            npi="1174270805",
            name="PEACH STATE MEDICAL PRACTICE, PC",
            taxonomy_code="261QM0801X",
            state="TX",
            source_name="nppes",
            source_url="file:///npidata.csv",
            retrieved_at=RETRIEVED,
        )
    )
    clinic = clinic_with(session, person("Jane", "Doe", ["MD"], npi="1174270805"))
    licence(session, "Jane", "Doe", LicenseType.MD, "Q1")
    assessment = assess(session, clinic, AS_OF)
    assert assessment.verdict is Verdict.VERIFIED  # the name still finds her licence
    assert (
        "Jane Doe, MD: the NPI printed for them, 1174270805, belongs to the organisation "
        "PEACH STATE MEDICAL PRACTICE, PC, not to a person."
    ) in assessment.reasons


def test_a_persons_npi_is_not_looked_up_as_an_organisations(session):
    clinic = clinic_with(session, person("Jane", "Doe", ["MD"], npi="1234567893"))
    licence(session, "Jane", "Doe", LicenseType.MD, "Q1", npi="1234567893")
    assert not any("organisation" in reason for reason in assess(session, clinic, AS_OF).reasons)
