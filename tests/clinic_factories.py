"""Test helpers: build listings, verifications and evidence rows, and place points on the globe.

The geometry here is deliberately computed another way (unit vectors, the spherical direct
formula) from `directory.search`, so that tests check its distances independently.
"""

import itertools
from datetime import UTC, date, datetime
from math import asin, atan2, cos, degrees, radians, sin, sqrt
from typing import Any

from sqlalchemy.orm import Session

from directory.models import Clinic, Clinician, FieldSource, Location, Verification
from directory.vocab import Verdict

EARTH_RADIUS_MILES = 3958.8
RETRIEVED = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
_keys = itertools.count(1)


def great_circle_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance along the sphere from the straight-line chord between two unit vectors."""
    a, b = _unit_vector(lat1, lon1), _unit_vector(lat2, lon2)
    chord = sqrt(sum((p - q) ** 2 for p, q in zip(a, b, strict=True)))
    return 2 * asin(chord / 2) * EARTH_RADIUS_MILES


def _unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """A point on the unit sphere."""
    phi, lam = radians(lat), radians(lon)
    return cos(phi) * cos(lam), cos(phi) * sin(lam), sin(phi)


def destination(lat: float, lon: float, bearing: float, miles: float) -> tuple[float, float]:
    """The point reached by going `miles` from a point on an initial compass bearing."""
    angle, theta, phi1 = miles / EARTH_RADIUS_MILES, radians(bearing), radians(lat)
    phi2 = asin(sin(phi1) * cos(angle) + cos(phi1) * sin(angle) * cos(theta))
    lam = atan2(sin(theta) * sin(angle) * cos(phi1), cos(angle) - sin(phi1) * sin(phi2))
    return degrees(phi2), (lon + degrees(lam) + 540) % 360 - 180


def add_clinic(
    session: Session,
    name: str,
    points: list[tuple[float | None, float | None]],
    verdict: Verdict = Verdict.VERIFIED,
    **fields: Any,
) -> Clinic:
    """A clinic with one Austin-style location per point, flushed so it has an id."""
    clinic = Clinic(key=f"test-{next(_keys)}", name=name, verdict=verdict, **fields)
    for position, (lat, lon) in enumerate(points):
        clinic.locations.append(
            Location(
                position=position,
                street=f"{100 + position} Congress Ave",
                city="Austin",
                state="TX",
                postal_code="78701",
                lat=lat,
                lon=lon,
                phone=f"+1512555{position:04d}",
            )
        )
    session.add(clinic)
    session.flush()
    return clinic


def add_clinician(session: Session, clinic: Clinic, name: str, **fields: Any) -> Clinician:
    """A clinician on a clinic's listing, flushed so evidence can name their id."""
    last_name = name.split(",")[0].split()[-1]
    clinician = Clinician(name=name, name_key=name.lower(), last_name=last_name, **fields)
    clinic.clinicians.append(clinician)
    session.flush()
    return clinician


def add_source(session: Session, clinic: Clinic, field: str, name: str, url: str) -> FieldSource:
    """A record of where one field of a listing came from."""
    source = FieldSource(field=field, source_name=name, source_url=url, retrieved_at=RETRIEVED)
    clinic.field_sources.append(source)
    session.flush()
    return source


def add_verification(
    session: Session,
    clinic: Clinic,
    verdict: Verdict,
    checked_at: datetime,
    reasons: list[str],
    evidence: list[dict[str, Any]],
) -> Verification:
    """A verdict on a clinic with its evidence, mirrored onto the clinic as licensing does."""
    verification = Verification(
        verdict=verdict,
        as_of=checked_at.date(),
        checked_at=checked_at,
        reasons=reasons,
        evidence=evidence,
    )
    clinic.verifications.append(verification)
    clinic.verdict, clinic.verdict_checked_at = verdict, checked_at
    session.flush()
    return verification


def license_evidence(clinician: Clinician, **overrides: Any) -> dict[str, Any]:
    """Licence evidence in the shape docs/contracts.md gives."""
    return {
        "kind": "license",
        "clinician_id": clinician.id,
        "clinician": clinician.name,
        "license_id": 12,
        "source": "tx-medical-board",
        "source_url": "http://127.0.0.1:8000/licenses?number=Q1234",
        "retrieved_at": RETRIEVED.isoformat(),
        "state": "TX",
        "type": "MD",
        "number": "Q1234",
        "status": "active",
        "expires": date(2027, 8, 31).isoformat(),
        "match": "npi",
        "score": 100.0,
        "why": "active MD licence in TX, matched by NPI",
    } | overrides


def exclusion_evidence(clinician: Clinician, **overrides: Any) -> dict[str, Any]:
    """Exclusion evidence in the shape docs/contracts.md gives."""
    return {
        "kind": "exclusion",
        "clinician_id": clinician.id,
        "clinician": clinician.name,
        "exclusion_id": 4,
        "source": "oig-leie",
        "source_url": "http://127.0.0.1:8000/leie.csv",
        "retrieved_at": RETRIEVED.isoformat(),
        "excluded_on": "2024-01-15",
        "exclusion_type": "1128b4",
        "match": "npi",
        "why": "on the OIG exclusion list since 2024-01-15 (1128b4)",
    } | overrides
