"""What to ask the NPI registry: every clinician named on a listing, by NPI or by name and state."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.models import Clinic, Clinician


@dataclass(frozen=True)
class ClinicianLookup:
    """One question for the registry: an NPI number, or a name within a state."""

    npi: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    state: str | None = None


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
