"""Maintainers' decisions on uncertain matches: this licence record is, or is not, this clinician's.

The checker keeps name matches below the threshold and namesakes it cannot tell apart as
candidates. A maintainer confirms or rejects each; the decision is stored by natural keys, so it
holds across crawls and re-verification, and the listing is re-checked with it on the next run.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.listings import newest_verification
from directory.models import Clinic, Clinician, License, MatchDecision, utcnow
from directory.vocab import Decision

LicenseKey = tuple[str, str, str, str]
"""A licence record's natural key: source, state, licence type, licence number."""
CHUNK = 500


class DecisionError(ValueError):
    """A decision that cannot be recorded, with the reason."""


@dataclass(frozen=True)
class Candidate:
    """A licence record kept for a maintainer: a weak fit, or one namesake among several."""

    clinic_id: int
    clinic_name: str
    clinician_id: int
    clinician: str
    license_id: int
    description: str
    source: str
    source_url: str
    state: str
    license_type: str
    number: str
    status: str
    score: float
    why: str
    ambiguous: bool


def license_key(license: License) -> LicenseKey:
    """The natural key of a licence record."""
    return (license.source_name, license.state, license.license_type, license.license_number)


def record_decision(
    session: Session,
    clinician: Clinician,
    license: License,
    decision: Decision,
    *,
    decided_by: str,
    note: str = "",
    decided_at: datetime | None = None,
) -> MatchDecision:
    """Store a maintainer's decision, and have the listing re-checked with it."""
    if not decided_by.strip():
        raise DecisionError("a decision must name the maintainer who made it")
    clinic = clinician.clinic
    row = MatchDecision(
        clinic_key=clinic.key,
        clinician_key=clinician.name_key,
        license_source=license.source_name,
        license_state=license.state,
        license_type=license.license_type,
        license_number=license.license_number,
        decision=Decision(decision),
        decided_by=decided_by.strip(),
        decided_at=decided_at or utcnow(),
        note=note.strip(),
    )
    session.add(row)
    clinic.needs_check = True
    session.flush()
    return row


def decisions_for(
    session: Session, clinics: Iterable[Clinic]
) -> dict[tuple[str, str], dict[LicenseKey, Decision]]:
    """The decisions in force for listings' clinicians, by (listing key, clinician name key):
    the newest for each licence."""
    keys = sorted({clinic.key for clinic in clinics})
    found: dict[tuple[str, str], dict[LicenseKey, Decision]] = defaultdict(dict)
    for start in range(0, len(keys), CHUNK):
        rows = session.scalars(
            select(MatchDecision)
            .where(MatchDecision.clinic_key.in_(keys[start : start + CHUNK]))
            .order_by(MatchDecision.decided_at, MatchDecision.id)
        )
        for row in rows:
            licence = (row.license_source, row.license_state, row.license_type, row.license_number)
            found[row.clinic_key, row.clinician_key][licence] = Decision(row.decision)
    return dict(found)


def candidate_pair(
    session: Session, clinician_id: int, license_id: int
) -> tuple[Clinician, License] | None:
    """A clinician and a licence record by their numbers, if both exist."""
    clinician, license = session.get(Clinician, clinician_id), session.get(License, license_id)
    return (clinician, license) if clinician and license else None


def decision_in_force(
    session: Session, clinician: Clinician, license: License
) -> MatchDecision | None:
    """The newest decision on whether this licence record is this clinician's, if any."""
    query = (
        select(MatchDecision)
        .where(
            MatchDecision.clinic_key == clinician.clinic.key,
            MatchDecision.clinician_key == clinician.name_key,
            MatchDecision.license_source == license.source_name,
            MatchDecision.license_state == license.state,
            MatchDecision.license_type == license.license_type,
            MatchDecision.license_number == license.license_number,
        )
        .order_by(MatchDecision.decided_at.desc(), MatchDecision.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def pending_candidates(
    session: Session, clinic_ids: Iterable[int] | None = None
) -> list[Candidate]:
    """Candidates in the newest verdicts that no maintainer has decided on yet: on every
    listing, or on the listings named."""
    query = select(Clinic).options(
        selectinload(Clinic.verifications), selectinload(Clinic.clinicians)
    )
    if clinic_ids is not None:
        query = query.where(Clinic.id.in_(list(clinic_ids)))
    clinics = session.scalars(query.order_by(Clinic.id))
    pending = []
    for clinic in clinics:
        verification = newest_verification(clinic)
        decided = decisions_for(session, [clinic])
        names = {person.id: person.name_key for person in clinic.clinicians}
        for item in verification.evidence if verification else []:
            if item["kind"] != "license" or not (item.get("candidate") or item.get("ambiguous")):
                continue
            key = (item["source"], item["state"], item["type"], item["number"])
            if key in decided.get((clinic.key, names.get(item["clinician_id"], "")), {}):
                continue
            pending.append(
                Candidate(
                    clinic_id=clinic.id,
                    clinic_name=clinic.name,
                    clinician_id=item["clinician_id"],
                    clinician=item["clinician"],
                    license_id=item["license_id"],
                    description=f"{item['type']} licence {item['number']} in {item['state']}",
                    source=item["source"],
                    source_url=item["source_url"],
                    state=item["state"],
                    license_type=item["type"],
                    number=item["number"],
                    status=item["status"],
                    score=float(item["score"]),
                    why=item["why"],
                    ambiguous=bool(item.get("ambiguous")),
                )
            )
    return pending
