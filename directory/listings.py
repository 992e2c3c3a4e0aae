"""The open-data listing record (docs/contracts.md), shared by `clinics export` and the JSON API.

Also the small readers of a loaded clinic's verification history that the clinic page uses, so
that page and the record agree on which verification is the newest.
"""

from collections import defaultdict
from datetime import UTC
from typing import Any

from directory.models import Clinic, Clinician, Location, VerdictOverride, Verification
from directory.overrides import active_override
from directory.vocab import FlagStatus, Verdict

Evidence = dict[str, Any]


def verification_history(clinic: Clinic) -> list[Verification]:
    """All of a clinic's verifications, newest first."""
    return sorted(clinic.verifications, key=lambda v: (v.checked_at, v.id), reverse=True)


def newest_verification(clinic: Clinic) -> Verification | None:
    """The verification that a clinic's current verdict comes from, if it has been checked."""
    history = verification_history(clinic)
    return history[0] if history else None


def under_review(clinic: Clinic) -> bool:
    """Whether a listing has a flag that no maintainer has resolved yet."""
    return any(flag.status == FlagStatus.OPEN for flag in clinic.flags)


def evidence_by_clinician(verification: Verification | None) -> dict[int, list[Evidence]]:
    """A verification's evidence grouped by the id of the clinician it is about."""
    grouped: dict[int, list[Evidence]] = defaultdict(list)
    for item in verification.evidence if verification else []:
        grouped[item["clinician_id"]].append(item)
    return dict(grouped)


def listing_record(clinic: Clinic) -> dict[str, Any]:
    """One listing as the open-data export and the JSON API publish it; JSON-serialisable."""
    verification = newest_verification(clinic)
    evidence = evidence_by_clinician(verification)
    return {
        "id": clinic.id,
        "name": clinic.name,
        "website": clinic.website,
        "source_urls": sorted({source.source_url for source in clinic.field_sources}),
        "locations": [_location_record(location) for location in clinic.locations],
        "modalities": list(clinic.modalities),
        "conditions": list(clinic.conditions),
        "clinicians": [
            _clinician_record(clinician, evidence.get(clinician.id, []))
            for clinician in clinic.clinicians
        ],
        "verification": _verification_record(verification, active_override(clinic)),
        "under_review": under_review(clinic),
        "possibly_closed": clinic.possibly_closed,
    }


def _location_record(location: Location) -> dict[str, Any]:
    """A location's address, coordinates and phone."""
    return {
        "street": location.street,
        "city": location.city,
        "state": location.state,
        "postal_code": location.postal_code,
        "lat": location.lat,
        "lon": location.lon,
        "phone": location.phone,
    }


def _clinician_record(clinician: Clinician, evidence: list[Evidence]) -> dict[str, Any]:
    """A clinician with the licences and exclusions the newest verification found for them."""
    return {
        "name": clinician.name,
        "credentials": list(clinician.credentials),
        "npi": clinician.npi,
        "licenses": [
            _license_record(item)
            for item in evidence
            if item["kind"] == "license" and not item.get("ambiguous")  # namesakes are not theirs
        ],
        "excluded": any(item["kind"] == "exclusion" for item in evidence),
    }


def _license_record(item: Evidence) -> dict[str, Any]:
    """The published fields of one piece of licence evidence."""
    return {
        "state": item.get("state"),
        "type": item.get("type"),
        "number": item.get("number"),
        "status": item.get("status"),
        "expires": item.get("expires"),
        "source": item.get("source"),
    }


def _verification_record(
    verification: Verification | None, override: VerdictOverride | None
) -> dict[str, Any]:
    """The verdict, when it was reached (ISO 8601, UTC) and why; "unverified" if never checked.

    A maintainer's override gives the status and is published beside the checker's reasons.
    """
    computed = Verdict(verification.verdict) if verification else Verdict.UNVERIFIED
    return {
        "status": Verdict(override.verdict if override else computed).value,
        "checked_at": verification.checked_at.astimezone(UTC).isoformat() if verification else None,
        "reasons": list(verification.reasons) if verification else [],
        "override": (
            {
                "status": Verdict(override.verdict).value,
                "reason": override.reason,
                "set_at": override.set_at.astimezone(UTC).isoformat(),
            }
            if override
            else None
        ),
    }
