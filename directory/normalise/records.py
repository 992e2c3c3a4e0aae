"""Typed records: what the normaliser makes of items, and what ingest stores."""

from dataclasses import dataclass
from datetime import date, datetime

from directory.normalise.hours import OpeningHours
from directory.vocab import Condition, LicenseStatus, LicenseType, Modality


class NormaliseError(ValueError):
    """An item that cannot become a record; `reason` is a short slug counted in crawl stats."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class LocationRecord:
    """A parsed address with coordinates and an E.164 phone."""

    street: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    lat: float | None
    lon: float | None
    phone: str | None
    raw: str | None
    hours: tuple[OpeningHours, ...] = ()


@dataclass(frozen=True)
class ClinicianRecord:
    """A clinician's name split into parts, with normalised credentials."""

    name: str
    name_key: str
    first_name: str | None
    middle_name: str | None
    last_name: str
    suffix: str | None
    credentials_raw: str | None
    credentials: tuple[str, ...]
    npi: str | None
    license_number: str | None


@dataclass(frozen=True)
class ListingRecord:
    """A normalised clinic listing from one source."""

    key: str
    name: str
    website: str | None
    locations: tuple[LocationRecord, ...]
    clinicians: tuple[ClinicianRecord, ...]
    modalities: tuple[Modality, ...]
    conditions: tuple[Condition, ...]
    source_name: str
    source_url: str
    retrieved_at: datetime
    unreadable_hours: int = 0
    """Hours texts that stated no readable hours (counted in crawl stats, not stored)."""


@dataclass(frozen=True)
class LicenseRecord:
    """A licence record in our vocabulary, keeping the publisher's raw words."""

    source_name: str
    state: str
    license_type: LicenseType
    license_type_raw: str | None
    license_number: str
    first_name: str | None
    middle_name: str | None
    last_name: str
    last_key: str
    last_key_head: str | None
    last_key_tail: str | None
    last_key_sound: str | None
    suffix: str | None
    """A generational suffix (JR, SR, II, …) from a suffix column, the surname or the full name."""
    full_name: str
    specialty: str | None
    """The board's specialty in its words, or the NPI registry's taxonomy code (2084P0800X)."""
    status: LicenseStatus
    status_raw: str | None
    issue_date: date | None
    expiration_date: date | None
    city: str | None
    postal_code: str | None
    npi: str | None
    source_url: str
    retrieved_at: datetime


@dataclass(frozen=True)
class OrganisationRecord:
    """An organisation the NPI registry lists (NPI-2), with its primary taxonomy and practice
    location."""

    npi: str
    name: str
    taxonomy_code: str | None
    state: str | None
    city: str | None
    postal_code: str | None
    source_name: str
    source_url: str
    retrieved_at: datetime


@dataclass(frozen=True)
class ExclusionRecord:
    """An OIG LEIE exclusion in typed form."""

    source_name: str
    record_key: str
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    last_key: str | None
    business_name: str | None
    general: str | None
    specialty: str | None
    npi: str | None
    state: str | None
    city: str | None
    postal_code: str | None
    exclusion_type: str | None
    excluded_on: date | None
    reinstated_on: date | None
    waiver_on: date | None
    source_url: str
    retrieved_at: datetime
