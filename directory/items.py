"""Items: the contract between the crawler and the directory.

Spiders fill these with raw strings exactly as the source printed them, plus where and when they
were read; every rule about what the strings mean lives in `directory.normalise`.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(kw_only=True)
class Provenance:
    """Which source an item came from, from which URL, and when."""

    source_name: str
    source_url: str
    retrieved_at: datetime


@dataclass(kw_only=True)
class LocationItem:
    """An address as printed: one line, or the parts structured data gave."""

    address: str | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    hours: list[str] = field(default_factory=list)
    """Opening hours as stated ("Mo-Fr 09:00-17:00"; a specification as "Monday 09:00-17:00")."""


@dataclass(kw_only=True)
class ClinicianItem:
    """A clinician as named on a listing ("Jane Q. Doe, MD"), with any printed numbers."""

    name: str
    credentials: str | None = None
    npi: str | None = None
    license_number: str | None = None


@dataclass(kw_only=True)
class ClinicItem(Provenance):
    """One clinic listing, built from one or more pages of a site or a directory."""

    name: str | None
    website: str | None = None
    locations: list[LocationItem] = field(default_factory=list)
    clinicians: list[ClinicianItem] = field(default_factory=list)
    service_texts: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    """Numbers printed anywhere on the pages, `tel:` links first; not all are the clinic's."""
    hours_texts: list[str] = field(default_factory=list)
    """Lines printed under an hours heading; whose hours they are is the normaliser's call."""
    page_urls: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class LicenseItem(Provenance):
    """One row of a state licence table, keyed by our field names (`LicenseField`)."""

    fields: dict[str, str]


@dataclass(kw_only=True)
class NpiRecordItem(Provenance):
    """One result object of the NPPES NPI Registry API, as returned."""

    record: dict[str, Any]


@dataclass(kw_only=True)
class ExclusionItem(Provenance):
    """One row of the OIG LEIE CSV, keyed by its published column names."""

    row: dict[str, str]
