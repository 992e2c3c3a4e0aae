"""Flags and moderation: advocates report listings; maintainers confirm, dismiss, re-check,
merge or hide, and every action goes to the audit log.

A flag never hides a listing by itself: it only marks it "under review" until resolved.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.audit import record
from directory.licensing import verify_listings
from directory.licensing.decisions import (
    Candidate,
    DecisionError,
    decision_in_force,
    pending_candidates,
    record_decision,
)
from directory.listings import newest_verification
from directory.models import Clinic, Clinician, Flag, License, ListingRemoval, User, VerdictOverride
from directory.overrides import active_override
from directory.vocab import (
    FLAG_REASON_LABELS,
    Decision,
    FlagReason,
    FlagStatus,
    Verdict,
    translatable,
)

MAX_DETAILS = 5000
MAX_REASON = 2000
MAX_NOTE = 500


ALREADY_RESOLVED = {
    FlagStatus.CONFIRMED: translatable(
        "This flag was already confirmed on %(day)s; nothing changed."
    ),
    FlagStatus.DISMISSED: translatable(
        "This flag was already dismissed on %(day)s; nothing changed."
    ),
}
ALREADY_DECIDED = {
    Decision.CONFIRMED: translatable(
        "This candidate was already confirmed by %(who)s on %(day)s; nothing changed."
    ),
    Decision.REJECTED: translatable(
        "This candidate was already rejected by %(who)s on %(day)s; nothing changed."
    ),
}


class ModerationError(ValueError):
    """An action that cannot be taken as asked; the message says why in plain words."""

    def __init__(self, template: str, **params: object) -> None:
        self.message = template % params if params else template
        super().__init__(self.message)
        self.template = template  # with its params, so the site can show it translated
        self.params = params


class DuplicateFlagError(ModerationError):
    """The same reporter already has an open flag on this listing."""

    def __init__(self, existing: Flag) -> None:
        super().__init__(
            translatable(
                "You have already reported a problem with this listing and it is still under "
                "review. A maintainer will look at your report; there is no need to send it again."
            )
        )
        self.existing = existing


@dataclass(frozen=True)
class Report:
    """What an advocate tells us about a listing (already validated by the form)."""

    reason: FlagReason
    details: str
    evidence_url: str | None
    contact_email: str | None


def file_flag(session: Session, clinic: Clinic, report: Report, reporter_hash: str) -> Flag:
    """Store a report as an open flag; refuses a second open one from the same reporter."""
    existing = session.scalars(
        select(Flag).where(
            Flag.clinic_id == clinic.id,
            Flag.reporter_hash == reporter_hash,
            Flag.status == FlagStatus.OPEN,
        )
    ).first()
    if existing is not None:
        raise DuplicateFlagError(existing)
    flag = Flag(
        clinic_id=clinic.id,
        reason=report.reason,
        details=report.details,
        evidence_url=report.evidence_url,
        contact_email=report.contact_email,
        reporter_hash=reporter_hash,
        status=FlagStatus.OPEN,
    )
    session.add(flag)
    session.flush()
    return flag


def resolved_flags(clinic: Clinic) -> list[Flag]:
    """A listing's resolved flags, newest outcome first: its public history of reports."""
    done = [flag for flag in clinic.flags if flag.status != FlagStatus.OPEN]
    return sorted(
        done, key=lambda flag: (flag.resolved_at or flag.created_at, flag.id), reverse=True
    )


def open_flags(session: Session) -> list[Flag]:
    """Every open flag, oldest first, with its listing."""
    query = (
        select(Flag)
        .where(Flag.status == FlagStatus.OPEN)
        .order_by(Flag.created_at, Flag.id)
        .options(selectinload(Flag.clinic))
    )
    return list(session.scalars(query))


def get_flag(session: Session, flag_id: int) -> Flag | None:
    """One flag, with its listing."""
    return session.get(Flag, flag_id)


def confirm_flag(
    session: Session, flag: Flag, actor: User, verdict: Verdict, reason: str, now: datetime
) -> VerdictOverride:
    """Resolve a flag as right, setting the listing's verdict with the maintainer's reason."""
    _require_open(flag)
    reason = _required_reason(reason)
    clinic = flag.clinic
    before = _state(clinic, flag)
    override = VerdictOverride(
        flag_id=flag.id, verdict=verdict, reason=reason, set_by_id=actor.id, set_at=now
    )
    clinic.overrides.append(override)
    clinic.verdict = verdict
    _resolve(flag, FlagStatus.CONFIRMED, reason, now)
    session.flush()
    record(
        session, actor, "flag.confirm", f"flag {flag.id}", before, _state(clinic, flag), clinic.id
    )
    return override


def lift_override(
    session: Session, clinic: Clinic, actor: User, reason: str, now: datetime
) -> None:
    """End the override in force, with a reason: the checker's newest verdict shows again."""
    override = active_override(clinic)
    if override is None:
        raise ModerationError("No maintainer's verdict is in force on this listing.")
    reason = _required_reason(reason)
    before = _state(clinic)
    override.lifted_at, override.lifted_by_id, override.lifted_reason = now, actor.id, reason
    newest = newest_verification(clinic)
    clinic.verdict = Verdict(newest.verdict) if newest else Verdict.UNVERIFIED
    session.flush()
    after = _state(clinic) | {"lifted": reason}
    record(session, actor, "override.lift", f"listing {clinic.id}", before, after, clinic.id)


def dismiss_flag(session: Session, flag: Flag, actor: User, reason: str, now: datetime) -> None:
    """Resolve a flag as unfounded, saying why; the listing's verdict stays as it is."""
    _require_open(flag)
    reason = _required_reason(reason)
    before = _state(flag.clinic, flag)
    _resolve(flag, FlagStatus.DISMISSED, reason, now)
    session.flush()
    record(
        session,
        actor,
        "flag.dismiss",
        f"flag {flag.id}",
        before,
        _state(flag.clinic, flag),
        flag.clinic_id,
    )


def recheck_listing(session: Session, clinic: Clinic, actor: User, as_of: date) -> Verdict:
    """Run the licensing check on one listing now; returns the verdict patients will see."""
    before = _state(clinic)
    verify_listings(session, as_of, clinic_ids=[clinic.id])
    session.refresh(clinic)
    after = _state(clinic) | {"checked_as_of": as_of.isoformat()}
    record(session, actor, "listing.recheck", f"listing {clinic.id}", before, after, clinic.id)
    return Verdict(clinic.verdict)


def decide_candidate(
    session: Session,
    clinician: Clinician,
    license: License,
    decision: Decision,
    *,
    decided_by: str,
    actor: User | None,
    note: str,
    as_of: date,
) -> Verdict:
    """Confirm or reject a pending candidate, re-check its listing and log it; returns the
    verdict patients will see. `actor` None is the command line."""
    candidate = _pending(session, clinician, license)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ModerationError("Keep the note under %(max)d characters.", max=MAX_NOTE)
    clinic = clinician.clinic
    before = _state(clinic) | {"candidate": _candidate_state(candidate, None)}
    try:
        record_decision(session, clinician, license, decision, decided_by=decided_by, note=note)
    except DecisionError as error:
        raise ModerationError(str(error)) from None
    verify_listings(session, as_of, clinic_ids=[clinic.id])
    session.refresh(clinic)
    after = _state(clinic) | {"candidate": _candidate_state(candidate, decision, note)}
    action = "candidate.confirm" if decision == Decision.CONFIRMED else "candidate.reject"
    target = f"clinician {clinician.id} licence {license.id}"
    record(session, actor, action, target, before, after, clinic.id)
    return Verdict(clinic.verdict)


def hide_listing(session: Session, clinic: Clinic, actor: User, reason: str, now: datetime) -> None:
    """Take a listing out of search and the public pages, saying why."""
    _require_public(clinic)
    reason = _required_reason(reason)
    before = _state(clinic)
    clinic.removal = ListingRemoval(reason=reason, removed_by_id=actor.id, removed_at=now)
    session.flush()
    record(
        session, actor, "listing.hide", f"listing {clinic.id}", before, _state(clinic), clinic.id
    )


def restore_listing(session: Session, clinic: Clinic, actor: User, reason: str) -> None:
    """Put a hidden or merged listing back into the public directory."""
    if clinic.removal is None:
        raise ModerationError("This listing is not hidden.")
    reason = _required_reason(reason)
    before = _state(clinic)
    clinic.removal = None
    session.flush()
    after = _state(clinic) | {"reason": reason}
    record(session, actor, "listing.restore", f"listing {clinic.id}", before, after, clinic.id)


def merge_listings(
    session: Session, duplicate: Clinic, kept: Clinic, actor: User, reason: str, now: datetime
) -> None:
    """Retire a duplicate listing in favour of the one kept; its flags move to the kept one.

    The duplicate's page then points to the kept listing, and crawling it again changes nothing
    patients see.
    """
    if duplicate.id == kept.id:
        raise ModerationError("A listing cannot be merged into itself.")
    _require_public(duplicate)
    if kept.removal is not None:
        raise ModerationError(
            "Listing %(number)d is itself hidden or merged; merge into another.", number=kept.id
        )
    reason = _required_reason(reason)
    before = _state(duplicate) | {"flags": [flag.id for flag in duplicate.flags]}
    moved = [flag.id for flag in duplicate.flags]
    for flag in list(duplicate.flags):
        flag.clinic = kept
    duplicate.removal = ListingRemoval(
        merged_into=kept, reason=reason, removed_by_id=actor.id, removed_at=now
    )
    session.flush()
    after = _state(duplicate) | {"merged_into": kept.id, "flags_moved": moved}
    record(session, actor, "listing.merge", f"listing {duplicate.id}", before, after, duplicate.id)


def is_public(clinic: Clinic) -> bool:
    """Whether a listing appears in search and on its own page."""
    return clinic.removal is None


def _require_open(flag: Flag) -> None:
    """Refuse to resolve a flag twice (a replayed or stale form)."""
    if flag.status != FlagStatus.OPEN:
        raise ModerationError(
            ALREADY_RESOLVED[FlagStatus(flag.status)], day=f"{flag.resolved_at:%Y-%m-%d}"
        )


def _require_public(clinic: Clinic) -> None:
    """Refuse to hide or merge a listing that is already out of the directory."""
    if clinic.removal is not None:
        raise ModerationError("This listing is already hidden or merged; nothing changed.")


def _pending(session: Session, clinician: Clinician, license: License) -> Candidate:
    """The candidate waiting for this decision; refuses one already decided or no longer kept
    (a replayed or stale form)."""
    for candidate in pending_candidates(session, [clinician.clinic_id]):
        if (candidate.clinician_id, candidate.license_id) == (clinician.id, license.id):
            return candidate
    decided = decision_in_force(session, clinician, license)
    if decided is not None:
        raise ModerationError(
            ALREADY_DECIDED[Decision(decided.decision)],
            who=decided.decided_by,
            day=f"{decided.decided_at:%Y-%m-%d}",
        )
    raise ModerationError(
        "Licence %(number)d is not a candidate for %(name)s in the listing's newest check; "
        "nothing changed.",
        number=license.id,
        name=clinician.name,
    )


def _required_reason(reason: str) -> str:
    """A maintainer's reason, trimmed; it is kept and shown, so it may not be empty."""
    text = reason.strip()
    if not text:
        raise ModerationError("Give a reason; it is kept with the decision.")
    if len(text) > MAX_REASON:
        raise ModerationError("Keep the reason under %(max)d characters.", max=MAX_REASON)
    return text


def _resolve(flag: Flag, status: FlagStatus, reason: str, now: datetime) -> None:
    """Close a flag with its outcome."""
    flag.status = status
    flag.resolution = reason
    flag.resolved_at = now


def _candidate_state(
    candidate: Candidate, decision: Decision | None, note: str = ""
) -> dict[str, Any]:
    """What the audit log keeps of a candidate match before and after a decision on it."""
    state: dict[str, Any] = {
        "clinician": candidate.clinician,
        "licence": f"{candidate.description} ({candidate.source})",
        "kind": "namesake" if candidate.ambiguous else "weak fit",
        "score": candidate.score,
        "decision": str(decision) if decision else None,
    }
    if decision is not None:
        state["note"] = note
    return state


def _state(clinic: Clinic, flag: Flag | None = None) -> dict[str, Any]:
    """What the audit log keeps of a listing (and a flag) before and after an action."""
    override = active_override(clinic)
    state: dict[str, Any] = {
        "listing": clinic.id,
        "verdict": str(clinic.verdict),
        "override": (
            {"verdict": str(override.verdict), "reason": override.reason} if override else None
        ),
        "removed": (
            {"reason": clinic.removal.reason, "merged_into": clinic.removal.merged_into_id}
            if clinic.removal
            else None
        ),
    }
    if flag is not None:
        state["flag"] = {
            "id": flag.id,
            "reason": FLAG_REASON_LABELS[FlagReason(flag.reason)],
            "status": str(flag.status),
            "resolution": flag.resolution,
        }
    return state
