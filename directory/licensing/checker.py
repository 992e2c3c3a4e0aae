"""Running the checker over listings and keeping each verdict's history."""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.dashboard import record_verdict_counts
from directory.licensing.decisions import LicenseKey, decisions_for
from directory.licensing.matching import ClinicContext, find_matches
from directory.licensing.monitor import changes_between, notify_changes
from directory.licensing.verdicts import Assessment, decide
from directory.models import Clinic, Verification, utcnow
from directory.normalise.names import fold_name
from directory.overrides import effective_verdict
from directory.vocab import Decision, Verdict


def verify_listings(
    session: Session,
    as_of: date,
    *,
    everything: bool = False,
    clinic_ids: Iterable[int] | None = None,
) -> Counter[Verdict]:
    """Give listings their verdicts: the ones that changed, the ones named, or all of them."""
    query = select(Clinic).options(
        selectinload(Clinic.locations),
        selectinload(Clinic.clinicians),
        selectinload(Clinic.overrides),
        selectinload(Clinic.verifications),
        selectinload(Clinic.changes),
    )
    if clinic_ids is not None:
        query = query.where(Clinic.id.in_(list(clinic_ids)))
    elif not everything:
        query = query.where(Clinic.needs_check.is_(True))
    verdicts: Counter[Verdict] = Counter()
    now = utcnow()
    clinics = session.scalars(query).all()
    decided = decisions_for(session, clinics)
    for clinic in clinics:
        with session.no_autoflush:  # matching only reads; the verdicts are written below
            assessment = assess(session, clinic, as_of, decided)
        record_verdict(clinic, assessment, as_of, now)
        verdicts[assessment.verdict] += 1
    session.flush()
    record_verdict_counts(session, now.date())  # the dashboard's history of verdicts
    return verdicts


def verify_and_notify(
    session: Session, as_of: date, *, everything: bool = False
) -> tuple[Counter[Verdict], int]:
    """What a crawl ends with: verdicts for what changed (or every listing), then maintainers told
    of the licence changes found; the verdicts given and the number of changes told."""
    verdicts = verify_listings(session, as_of, everything=everything)
    return verdicts, notify_changes(session, as_of)


def assess(
    session: Session,
    clinic: Clinic,
    as_of: date,
    decided: Mapping[tuple[str, str], Mapping[LicenseKey, Decision]] | None = None,
) -> Assessment:
    """The verdict on one listing as of a date, with the maintainers' decisions on its matches
    (read from the database unless given)."""
    states = {location.state for location in clinic.locations if location.state}
    places = frozenset(
        place
        for location in clinic.locations
        for place in (fold_name(location.city), (location.postal_code or "")[:5])
        if place
    )
    if decided is None:
        decided = decisions_for(session, [clinic])
    findings = [
        find_matches(
            session,
            person,
            as_of,
            ClinicContext(
                frozenset(states), places, decided.get((clinic.key, person.name_key), {})
            ),
        )
        for person in clinic.clinicians
    ]
    return decide(states, findings, as_of, places=places)


def record_verdict(clinic: Clinic, assessment: Assessment, as_of: date, now: datetime) -> None:
    """Store a verdict: a new history row when the outcome changed, else refresh the newest;
    and every change in the records it rests on since the last check."""
    latest = max(clinic.verifications, key=lambda row: row.id or 0, default=None)
    clinic.changes.extend(changes_between(latest, assessment.evidence, as_of, now))
    if latest is not None and _same_outcome(latest, assessment):
        latest.evidence = assessment.evidence
        latest.checked_at = now
        latest.as_of = as_of
    else:
        clinic.verifications.append(
            Verification(
                verdict=assessment.verdict,
                as_of=as_of,
                checked_at=now,
                reasons=assessment.reasons,
                evidence=assessment.evidence,
            )
        )
    clinic.verdict = effective_verdict(clinic, assessment.verdict)  # a maintainer's outranks
    clinic.verdict_checked_at = now
    clinic.needs_check = False


def _same_outcome(latest: Verification, assessment: Assessment) -> bool:
    """Same verdict, reasons and evidence, ignoring when each record was last retrieved."""
    return (
        latest.verdict == assessment.verdict
        and latest.reasons == assessment.reasons
        and _without_times(latest.evidence) == _without_times(assessment.evidence)
    )


def _without_times(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in entry.items() if k != "retrieved_at"} for entry in evidence]
