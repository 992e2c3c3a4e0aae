"""The normaliser: raw items in, typed records out. Pure: no I/O, no Scrapy, no Flask."""

from directory.normalise.licenses import (
    normalise_exclusion,
    normalise_license,
    normalise_npi_organisation,
    normalise_npi_record,
    unmapped_words,
)
from directory.normalise.listings import mixed_script_name, normalise_listing
from directory.normalise.records import (
    ClinicianRecord,
    ExclusionRecord,
    LicenseRecord,
    ListingRecord,
    LocationRecord,
    NormaliseError,
)

__all__ = [
    "ClinicianRecord",
    "ExclusionRecord",
    "LicenseRecord",
    "ListingRecord",
    "LocationRecord",
    "NormaliseError",
    "mixed_script_name",
    "normalise_exclusion",
    "normalise_license",
    "normalise_listing",
    "normalise_npi_organisation",
    "normalise_npi_record",
    "unmapped_words",
]
