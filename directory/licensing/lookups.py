"""What to ask the NPI registry: every clinician named on a listing, by NPI or by name and state."""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.models import Clinic, Clinician
from directory.normalise.geo import zip_prefixes


@dataclass(frozen=True)
class ClinicianLookup:
    """One question for the registry: an NPI number, or a name within a state (and ZIP codes)."""

    npi: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    state: str | None = None
    postal_code: str | None = None
    """A five-digit ZIP code, or a prefix and `*` ("770*"): how a saturated look-up is split."""


def narrower(lookup: ClinicianLookup) -> list[ClinicianLookup]:
    """The look-ups that together ask what a saturated one asked, each by a longer ZIP prefix.

    The registry returns at most 1,200 records for one question, so a look-up that fills them
    all is asked again per ZIP prefix of its state, one digit longer each time ("77*", then
    "770*" … "779*"); at five digits it cannot be split, and the list is empty.
    """
    asked = (lookup.postal_code or "").rstrip("*")
    if lookup.npi or len(asked) >= 5:
        return []
    prefixes = zip_prefixes(lookup.state, asked)
    return [
        replace(lookup, postal_code=prefix if len(prefix) == 5 else f"{prefix}*")
        for prefix in prefixes
    ]


def clinician_lookups(session: Session) -> list[ClinicianLookup]:
    """Look-ups for every named clinician: the printed NPI, else the name in each clinic state."""
    clinicians = session.scalars(
        select(Clinician).options(selectinload(Clinician.clinic).selectinload(Clinic.locations))
    )
    lookups: dict[ClinicianLookup, None] = {}
    for clinician in clinicians:
        if clinician.npi:
            lookups[ClinicianLookup(npi=clinician.npi)] = None
            continue
        if not clinician.first_name:
            continue
        states: Sequence[str | None] = sorted(
            {loc.state for loc in clinician.clinic.locations if loc.state}
        )
        for state in states or [None]:
            lookup = ClinicianLookup(
                first_name=clinician.first_name, last_name=clinician.last_name, state=state
            )
            lookups[lookup] = None
    return list(lookups)
