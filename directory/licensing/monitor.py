"""Keeping verdicts current: licence status changes and licences about to expire.

Each check of a listing compares the records its verdict rests on with what the previous check
saw, and keeps every change in the listing's history (`ListingChange`) with the day it was last
seen as it was and the day it was first seen as it is: a licence whose status changed, a new
exclusion or one lifted, and a licence that came within `EXPIRY_WINDOW_DAYS` of expiring.
`notify_changes` then tells maintainers of the changes not yet told, through `directory.notify`.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.listings import newest_verification
from directory.models import Clinic, LicenseChange, ListingChange, Verification, utcnow
from directory.notify import Channels, Event, notify

EXPIRY_WINDOW_DAYS = 60
"""How long before a licence expires maintainers hear of it."""
EXCLUDED, NOT_EXCLUDED = "excluded", "not excluded"
EXPIRING = "expiring"


@dataclass(frozen=True)
class ExpiringLicence:
    """An active licence that a listing relies on, and the day it expires."""

    clinic_id: int
    clinic_name: str
    clinician: str
    description: str
    expires: date
    source: str


def expiring_licences(
    session: Session, as_of: date, days: int = EXPIRY_WINDOW_DAYS
) -> list[ExpiringLicence]:
    """Active licences of listed clinicians that expire within `days` of `as_of`, soonest first."""
    until = as_of + timedelta(days=days)
    clinics = session.scalars(select(Clinic).options(selectinload(Clinic.verifications)))
    found = []
    for clinic in clinics:
        verification = newest_verification(clinic)
        for item in verification.evidence if verification else []:
            if item["kind"] != "license" or not _counted(item) or item["status"] != "active":
                continue
            expires = date.fromisoformat(item["expires"]) if item.get("expires") else None
            if expires and as_of <= expires <= until:
                found.append(
                    ExpiringLicence(
                        clinic_id=clinic.id,
                        clinic_name=clinic.name,
                        clinician=item["clinician"],
                        description=f"{item['type']} licence {item['number']} in {item['state']}",
                        expires=expires,
                        source=item["source"],
                    )
                )
    return sorted(found, key=lambda licence: (licence.expires, licence.clinic_name))


def _counted(item: dict[str, Any]) -> bool:
    """Whether a piece of licence evidence counted towards the verdict."""
    return not (item.get("ambiguous") or item.get("candidate"))


def status_changes(session: Session, since: datetime) -> list[LicenseChange]:
    """Licence status changes first seen since a moment, newest first."""
    return list(
        session.scalars(
            select(LicenseChange)
            .where(LicenseChange.first_seen_new >= since)
            .options(selectinload(LicenseChange.license))
            .order_by(LicenseChange.first_seen_new.desc(), LicenseChange.id.desc())
        )
    )


def changes_between(
    previous: Verification | None,
    evidence: list[dict[str, Any]],
    as_of: date,
    now: datetime,
) -> list[ListingChange]:
    """What changed in the counted records of a listing since its previous check.

    A licence keeps its identity across checks by source, state, type and number; an exclusion
    by its record. A record first matched now is not a change (except a licence already close
    to expiring), nor one no longer matched because its clinician left the listing.
    """
    before = _counted_records(previous.evidence if previous else [])
    after = _counted_records(evidence)
    checked = previous.checked_at if previous else now
    old_as_of = previous.as_of if previous else None
    clinicians = {item["clinician_id"] for item in evidence}
    changes = []
    for key, item in after.items():
        old = before.get(key)
        retrieved = datetime.fromisoformat(item["retrieved_at"])
        if item["kind"] == "exclusion" and old is None and previous is not None:
            changes.append(_change(item, (NOT_EXCLUDED, checked), (EXCLUDED, retrieved)))
        elif item["kind"] == "license" and old is not None and old["status"] != item["status"]:
            last_old = datetime.fromisoformat(old["retrieved_at"])
            changes.append(_change(item, (old["status"], last_old), (item["status"], retrieved)))
        elif item["kind"] == "license" and _newly_expiring(item, old, as_of, old_as_of):
            changes.append(_change(item, (item["status"], checked), (EXPIRING, now)))
    for key, old in before.items():
        if key not in after and old["kind"] == "exclusion" and old["clinician_id"] in clinicians:
            changes.append(_change(old, (EXCLUDED, checked), (NOT_EXCLUDED, now)))
    return changes


def _counted_records(evidence: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The counted evidence by the identity of its clinician and record."""
    return {_identity(item): item for item in evidence if _counted(item)}


def _identity(item: dict[str, Any]) -> tuple[Any, ...]:
    if item["kind"] == "exclusion":
        return ("exclusion", item["clinician_id"], item["source"], item["exclusion_id"])
    return (
        "license",
        item["clinician_id"],
        item["source"],
        item["state"],
        item["type"],
        item["number"],
    )


def _newly_expiring(
    item: dict[str, Any], old: dict[str, Any] | None, as_of: date, old_as_of: date | None
) -> bool:
    """An active licence that expires within the window now, and did not at the last check."""
    if item["status"] != "active" or not item.get("expires"):
        return False
    expires = date.fromisoformat(item["expires"])
    if not _within_window(expires, as_of):
        return False
    return old is None or old_as_of is None or not _within_window(expires, old_as_of)


def _within_window(expires: date, as_of: date) -> bool:
    return as_of <= expires <= as_of + timedelta(days=EXPIRY_WINDOW_DAYS)


def _change(
    item: dict[str, Any], old: tuple[str, datetime], new: tuple[str, datetime]
) -> ListingChange:
    """A change to one record: the status it had and when last seen so, the status it has and
    when first seen so."""
    expires = item.get("expires")
    return ListingChange(
        clinician=item["clinician"],
        record=describe_record(item),
        old_status=old[0],
        new_status=new[0],
        last_seen_old=old[1],
        first_seen_new=new[1],
        expires=date.fromisoformat(expires) if expires else None,
    )


def describe_record(item: dict[str, Any]) -> str:
    """A record in a maintainer's words: "MD licence Q1234 in TX (tx-board)"."""
    if item["kind"] == "exclusion":
        return f"OIG exclusion of {item['excluded_on']} ({item['source']})"
    return f"{item['type']} licence {item['number']} in {item['state']} ({item['source']})"


def listing_changes(session: Session, since: datetime) -> list[ListingChange]:
    """Changes to the records listings rest on, first seen since a moment, newest first."""
    return list(
        session.scalars(
            select(ListingChange)
            .where(ListingChange.first_seen_new >= since)
            .options(selectinload(ListingChange.clinic))
            .order_by(ListingChange.first_seen_new.desc(), ListingChange.id.desc())
        )
    )


def notify_changes(session: Session, as_of: date, channels: Channels | None = None) -> int:
    """Tell maintainers of the listing changes not yet told, with the licences expiring soon;
    how many changes were delivered. Undelivered ones wait for the next time."""
    pending = list(
        session.scalars(
            select(ListingChange)
            .where(ListingChange.notified_at.is_(None))
            .options(selectinload(ListingChange.clinic))
            .order_by(ListingChange.id)
        )
    )
    if not pending:
        return 0
    event = Event(
        kind="licence_changes",
        subject=f"{len(pending)} licence change(s) on listed clinics",
        details={
            "changes": [_change_details(change) for change in pending],
            "expiring": [
                vars(licence) for licence in expiring_licences(session, as_of, EXPIRY_WINDOW_DAYS)
            ],
        },
    )
    if not notify(event, channels):
        return 0
    now = utcnow()
    for change in pending:
        change.notified_at = now
    session.flush()
    return len(pending)


def _change_details(change: ListingChange) -> dict[str, Any]:
    """One change as the notification carries it."""
    return {
        "clinic_id": change.clinic_id,
        "clinic": change.clinic.name,
        "clinician": change.clinician,
        "record": change.record,
        "old_status": change.old_status,
        "new_status": change.new_status,
        "last_seen_old": change.last_seen_old.isoformat(),
        "first_seen_new": change.first_seen_new.isoformat(),
        "expires": change.expires.isoformat() if change.expires else None,
    }
