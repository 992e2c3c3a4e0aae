"""Keeping verdicts current: licence status changes and licences about to expire."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.listings import newest_verification
from directory.models import Clinic, LicenseChange


@dataclass(frozen=True)
class ExpiringLicence:
    """An active licence that a listing relies on, and the day it expires."""

    clinic_id: int
    clinic_name: str
    clinician: str
    description: str
    expires: date
    source: str


def expiring_licences(session: Session, as_of: date, days: int = 60) -> list[ExpiringLicence]:
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
