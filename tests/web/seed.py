"""A small set of Austin listings shared by the web tests."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from directory.models import Clinic
from directory.vocab import Verdict
from tests.clinic_factories import (
    add_clinic,
    add_clinician,
    add_source,
    add_verification,
    destination,
    exclusion_evidence,
    license_evidence,
)

DOWNTOWN = (30.2713, -97.7426)  # ZIP 78701's centroid
CHECKED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@dataclass
class Austin:
    """The seeded clinics, by role."""

    near: Clinic
    problem: Clinic
    far: Clinic
    unverified: Clinic
    outside: Clinic


def seed_austin(session: Session) -> Austin:
    """Listings 1.5, 4, 8, 12 and 30 miles from downtown Austin, by role; committed."""
    near = _verified(session, "Congress Avenue Ketamine", 1.5, 30)
    problem = add_clinic(
        session, "Bee Cave Infusions", [destination(*DOWNTOWN, 250, 4)], Verdict.LICENSE_PROBLEM
    )
    smith = add_clinician(session, problem, "John Smith, CRNA", credentials=["CRNA"])
    add_verification(
        session,
        problem,
        Verdict.LICENSE_PROBLEM,
        CHECKED,
        ["John Smith, CRNA is on the federal exclusion list."],
        [exclusion_evidence(smith)],
    )
    far = _verified(session, "Round Rock Wellness", 12, 0)
    unverified = add_clinic(
        session, "Pflugerville Mind Spa", [destination(*DOWNTOWN, 20, 8)], Verdict.UNVERIFIED
    )
    outside = _verified(session, "San Marcos Ketamine", 30, 200)
    session.commit()
    return Austin(near, problem, far, unverified, outside)


def _verified(session: Session, name: str, miles: float, bearing: float) -> Clinic:
    """A verified clinic with a licensed MD, a website, services and a source."""
    clinic = add_clinic(
        session,
        name,
        [destination(*DOWNTOWN, bearing, miles)],
        website=f"https://{name.split()[0].lower()}.example/",
        modalities=["iv_infusion", "ketamine_assisted_psychotherapy"],
        conditions=["treatment_resistant_depression", "ptsd"],
    )
    doctor = add_clinician(session, clinic, f"Dana {name.split()[0]}, MD", credentials=["MD"])
    add_source(
        session, clinic, "name", "clinic-sites", f"https://{name.split()[0].lower()}.example/"
    )
    add_verification(
        session,
        clinic,
        Verdict.VERIFIED,
        CHECKED,
        [f"{doctor.name} holds an active MD licence in TX."],
        [license_evidence(doctor)],
    )
    return clinic
