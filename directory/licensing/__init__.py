"""The licensing checker: matches clinicians to licence records and gives each listing a verdict."""

from directory.licensing.checker import verify_and_notify, verify_listings
from directory.licensing.lookups import ClinicianLookup, clinician_lookups
from directory.licensing.verdicts import Assessment, decide

__all__ = [
    "Assessment",
    "ClinicianLookup",
    "clinician_lookups",
    "decide",
    "verify_and_notify",
    "verify_listings",
]
