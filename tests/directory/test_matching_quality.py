"""Matching quality on the labelled set (`labelled/cases.toml`), through the real normalisers.

Every case is stored the way a crawl stores it — the listing through `normalise_listing`, board
rows through `normalise_license` with the board's own words, registry results through
`normalise_npi_record`, LEIE rows through `normalise_exclusion` — and judged by the checker.
The test prints match precision and recall (over board records and exclusions, the evidence a
verdict rests on) and verdict accuracy, and holds them to the targets.
"""

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.ingest import ingest_exclusion, ingest_license, ingest_listing
from directory.items import (
    ClinicianItem,
    ClinicItem,
    ExclusionItem,
    LicenseItem,
    LocationItem,
    NpiRecordItem,
)
from directory.licensing.checker import assess
from directory.models import Clinic, Exclusion, License
from directory.normalise import normalise_listing
from directory.normalise.licenses import (
    normalise_exclusion,
    normalise_license,
    normalise_npi_record,
)
from directory.reasons import Reason
from directory.sources import Source
from directory.vocab import LicenseStatus, LicenseType, SourceKind

CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "labelled" / "cases.toml").read_text(encoding="utf-8")
)["case"]
AS_OF = date(2026, 11, 25)
RETRIEVED = datetime(2026, 11, 24, 6, tzinfo=UTC)
TARGETS = {"precision": 0.99, "recall": 0.95, "verdict accuracy": 0.97, "candidates kept": 0.95}
DEFAULT_CLINIC = {"city": "Austin", "state": "TX", "zip": "78701"}
BOARD_STATUSES = {
    "Active": LicenseStatus.ACTIVE,
    "Expired": LicenseStatus.EXPIRED,
    "Inactive": LicenseStatus.INACTIVE,
    "Suspended": LicenseStatus.SUSPENDED,
    "Revoked": LicenseStatus.REVOKED,
    "Surrendered": LicenseStatus.SURRENDERED,
    "Probation": LicenseStatus.PROBATION,
    "Active - Probation": LicenseStatus.PROBATION,
}
BOARD_TYPES = {
    "Physician": LicenseType.MD,
    "Osteopathic Physician": LicenseType.DO,
    "APRN": LicenseType.NP,
    "Physician Assistant": LicenseType.PA,
    "CRNA": LicenseType.CRNA,
    "RN": LicenseType.RN,
    "LPC": LicenseType.LPC,
    "LCSW": LicenseType.LCSW,
    "Psychologist": LicenseType.PSYCHOLOGIST,
}


def board(state: str) -> Source:
    """A state board's licence table, as a sources file would declare it."""
    return Source(
        name=f"{state.lower()}-board",
        kind=SourceKind.LICENSE_TABLE,
        url=f"https://{state.lower()}-board.example/",
        format="soda",
        state=state,
        status_map=BOARD_STATUSES,
        type_map=BOARD_TYPES,
    )


@dataclass
class Outcome:
    """What the checker made of one case, against what it should have."""

    case: str
    verdict_ok: bool
    counted: set[str] = field(default_factory=set)
    expected: set[str] = field(default_factory=set)
    kept: set[str] = field(default_factory=set)
    expected_kept: set[str] = field(default_factory=set)
    detail: str = ""
    reasons: list[str] = field(default_factory=list)


def store_case(session, case: dict[str, Any]) -> tuple[Clinic, dict[tuple[str, int], str]]:
    """Store one case as a crawl would; the labels of the stored board rows and exclusions."""
    where = {**DEFAULT_CLINIC, **case.get("clinic", {})}
    site = f"https://{case['id']}.example/"
    listing = ClinicItem(
        source_name="labelled",
        source_url=site,
        retrieved_at=RETRIEVED,
        name=f"Ketamine Clinic {case['id']}",
        website=site,
        locations=[
            LocationItem(city=where["city"], region=where["state"], postal_code=where["zip"])
        ],
        clinicians=[ClinicianItem(**person) for person in case["clinicians"]],
    )
    ingest_listing(session, normalise_listing(listing))
    clinic = session.scalars(select(Clinic).where(Clinic.website == site)).one()
    labels: dict[tuple[str, int], str] = {}
    for row in case.get("license", []):
        labels[("license", store_board_row(session, row, where["state"]))] = row["label"]
    for result in case.get("registry", []):
        store_registry_result(session, result)
    for row in case.get("exclusion", []):
        labels[("exclusion", store_exclusion(session, row))] = row["label"]
    return clinic, labels


def store_board_row(session, row: dict[str, Any], clinic_state: str) -> int:
    """One state board row, in the board's words; its stored id."""
    source = board(row.get("state", clinic_state))
    fields = {
        "license_number": row["number"],
        "license_type": row.get("type", "Physician"),
        "status": row.get("status", "Active"),
        "first_name": row.get("first", ""),
        "middle_name": row.get("middle", ""),
        "last_name": row.get("last", ""),
        "full_name": row.get("full", ""),
        "expiration_date": row.get("expires", "2027-12-31"),
        "city": row.get("city", ""),
        "postal_code": row.get("zip", ""),
        "specialty": row.get("specialty", ""),
    }
    item = LicenseItem(
        source_name=source.name,
        source_url=f"{source.url}resource.json",
        retrieved_at=RETRIEVED,
        fields=fields,
    )
    record = normalise_license(item, source)
    ingest_license(session, record)
    return session.scalars(
        select(License.id).where(
            License.source_name == record.source_name,
            License.license_type == record.license_type,
            License.license_number == record.license_number,
        )
    ).one()


def store_registry_result(session, result: dict[str, Any]) -> None:
    """One NPI registry result for an individual, in the API's shape."""
    address = {
        "address_purpose": "LOCATION",
        "city": result["city"],
        "state": result["state"],
        "postal_code": result["zip"],
    }
    record = {
        "number": result["npi"],
        "enumeration_type": "NPI-1",
        "basic": {
            "first_name": result["first"],
            "last_name": result["last"],
            "name_suffix": result.get("suffix", ""),
            "credential": result["credential"],
        },
        "addresses": [address, {**address, "address_purpose": "MAILING"}],
        "taxonomies": [
            {
                "code": result["taxonomy"],
                "primary": True,
                "license": result["license"],
                "state": result["state"],
            }
        ],
    }
    item = NpiRecordItem(
        source_name="nppes",
        source_url=f"https://registry.example/api/?number={result['npi']}",
        retrieved_at=RETRIEVED,
        record=record,
    )
    for licence in normalise_npi_record(item):
        ingest_license(session, licence)


def store_exclusion(session, row: dict[str, Any]) -> int:
    """One LEIE row, in its published columns; its stored id."""
    item = ExclusionItem(
        source_name="oig-leie",
        source_url="https://oig.example/UPDATED.csv",
        retrieved_at=RETRIEVED,
        row={
            "LASTNAME": row["last"],
            "FIRSTNAME": row.get("first", ""),
            "MIDNAME": row.get("middle", ""),
            "NPI": row.get("npi", "0000000000"),
            "STATE": row.get("state", ""),
            "EXCLTYPE": row.get("type", "1128b4"),
            "EXCLDATE": row["excluded"],
            "REINDATE": row.get("reinstated", "00000000"),
        },
    )
    record = normalise_exclusion(item)
    ingest_exclusion(session, record)
    return session.scalars(
        select(Exclusion.id).where(Exclusion.record_key == record.record_key)
    ).one()


def judge(session, case: dict[str, Any]) -> Outcome:
    """Store a case in its own savepoint, judge it, and undo it."""
    savepoint = session.begin_nested()
    try:
        clinic, labels = store_case(session, case)
        assessment = assess(session, clinic, AS_OF)
    finally:
        savepoint.rollback()
    counted, kept = set(), set()
    for entry in assessment.evidence:
        kind = entry["kind"]
        label = labels.get((kind, entry[f"{kind}_id"]))
        if label is None:
            continue  # a registry pointer: not a record a verdict rests on
        weak = entry.get("ambiguous") or entry.get("candidate")
        (kept if weak else counted).add(label)
    reason = case.get("reason")
    verdict_ok = assessment.verdict == case["verdict"] and (
        reason is None or any(reason in sentence for sentence in assessment.reasons)
    )
    return Outcome(
        case=case["id"],
        verdict_ok=verdict_ok,
        counted=counted,
        expected=set(case["counted"]),
        kept=kept,
        expected_kept=set(case.get("kept", [])),
        detail=f"{assessment.verdict}: {assessment.reasons}",
        reasons=assessment.reasons,
    )


def figures(outcomes: list[Outcome]) -> dict[str, float]:
    """Precision and recall of counted matches, verdict accuracy, and candidates kept."""
    true_positives = sum(len(o.counted & o.expected) for o in outcomes)
    predicted = sum(len(o.counted) for o in outcomes)
    relevant = sum(len(o.expected) for o in outcomes)
    kept = sum(len(o.kept & o.expected_kept) for o in outcomes)
    to_keep = sum(len(o.expected_kept) for o in outcomes)
    return {
        "precision": true_positives / predicted if predicted else 1.0,
        "recall": true_positives / relevant if relevant else 1.0,
        "verdict accuracy": sum(o.verdict_ok for o in outcomes) / len(outcomes),
        "candidates kept": kept / to_keep if to_keep else 1.0,
    }


def test_the_labelled_set_covers_every_difficulty():
    assert len(CASES) >= 60
    assert len({case["id"] for case in CASES}) == len(CASES)
    verdicts = {case["verdict"] for case in CASES}
    assert verdicts == {"verified", "license_problem", "out_of_state", "unverified"}
    assert any(case.get("kept") for case in CASES)


@pytest.fixture(scope="module")
def outcomes(engine) -> list[Outcome]:
    """Every case judged once, on the database under test (rolled back afterwards)."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            return [judge(session, case) for case in CASES]
        finally:
            session.close()
            transaction.rollback()


def test_matching_meets_its_targets_on_the_labelled_set(outcomes):
    measured = figures(outcomes)
    print(f"\nLabelled set: {len(outcomes)} cases")
    for name, value in measured.items():
        print(f"  {name}: {value:.3f} (target ≥ {TARGETS[name]})")
    for outcome in outcomes:
        wrong = outcome.counted ^ outcome.expected or outcome.expected_kept - outcome.kept
        if wrong or not outcome.verdict_ok:
            print(
                f"  MISS {outcome.case}: counted {sorted(outcome.counted)} "
                f"(expected {sorted(outcome.expected)}), kept {sorted(outcome.kept)} "
                f"(expected {sorted(outcome.expected_kept)}); {outcome.detail}"
            )
    assert all(measured[name] >= target for name, target in TARGETS.items()), measured


def test_every_reason_on_the_labelled_set_can_be_translated(outcomes):
    untranslatable = [r for o in outcomes for r in o.reasons if not isinstance(r, Reason)]

    assert untranslatable == [], "build reasons with Reason(...), not f-strings"
