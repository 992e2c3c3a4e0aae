"""The only writer: idempotent upserts of normalised records, with provenance and crawl runs.

Storing the same record twice changes nothing and reports `unchanged`; a listing's facts from the
clinic's own website take precedence over what a directory says about it.
"""

from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from directory.dedupe import building, find_same_clinic, website_host
from directory.models import (
    Base,
    Clinic,
    Clinician,
    CrawlRun,
    Exclusion,
    FieldSource,
    License,
    LicenseChange,
    Location,
    Organisation,
    Sighting,
    utcnow,
)
from directory.normalise.records import (
    ClinicianRecord,
    ExclusionRecord,
    LicenseRecord,
    ListingRecord,
    LocationRecord,
    OrganisationRecord,
)
from directory.sources import Source
from directory.vocab import LISTING_KINDS, CrawlOutcome, LicenseStatus

Model = TypeVar("Model", bound=Base)
MAX_RUN_ERRORS = 200
PRECEDENCE_FIELDS = ("name", "website", "locations", "clinicians")
MISSED_RUNS_BEFORE_CLOSED = 3
"""Consecutive complete runs of every source that listed a clinic, without it, before it is
shown as possibly closed."""


def assign(target: Base, values: Mapping[str, Any]) -> bool:
    """Set attributes that differ; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def ingest_listing(
    session: Session, record: ListingRecord, run_id: int | None = None
) -> CrawlOutcome:
    """Create or update a listing, its locations and clinicians, and where each field came from.

    `run_id` is the crawl run that read it; a listing seen again is no longer possibly closed.
    """
    clinic = _stored_clinic(session, record)
    outcome = CrawlOutcome.UNCHANGED
    if clinic is None:
        clinic = Clinic(
            key=record.key, name=record.name, modalities=[], conditions=[], possibly_closed=False
        )
        session.add(clinic)
        outcome = CrawlOutcome.NEW
    first = {field: _takes_precedence(clinic, record, field) for field in PRECEDENCE_FIELDS}
    changed = _merge_clinic(clinic, record, first["name"], first["website"])
    changed |= _merge_locations(clinic, record.locations, first["locations"])
    changed |= _merge_clinicians(clinic, record.clinicians, first["clinicians"])
    clinic.last_seen = record.retrieved_at
    changed |= _record_sighting(clinic, record, run_id)
    _record_field_sources(session, clinic, record)
    if changed:
        clinic.needs_check = True
    session.flush()
    if outcome is CrawlOutcome.NEW or not changed:
        return outcome
    return CrawlOutcome.UPDATED


def _stored_clinic(session: Session, record: ListingRecord) -> Clinic | None:
    """The clinic a record describes: by its key, by the key its source used before, or by the
    evidence that it is a clinic another source gave (`directory.dedupe`)."""
    by_key = session.scalars(select(Clinic).where(Clinic.key == record.key)).one_or_none()
    if by_key is not None:
        return by_key
    seen = select(Sighting.clinic_id).where(
        Sighting.source_name == record.source_name, Sighting.listing_key == record.key
    )
    by_source = session.scalars(select(Clinic).where(Clinic.id.in_(seen))).first()
    return by_source or find_same_clinic(session, record)


def _takes_precedence(clinic: Clinic, record: ListingRecord, field: str) -> bool:
    """Whether the record's value of a field replaces the stored one.

    The clinic's own website outranks every other source; between equals, the fresher reading
    wins. A field no other source has given is the record's to set.
    """
    rank = _rank(record.website or clinic.website, record.source_url, record.retrieved_at)
    return all(
        rank >= _rank(clinic.website, source.source_url, source.retrieved_at)
        for source in clinic.field_sources
        if source.field == field
        and (source.source_name, source.source_url) != (record.source_name, record.source_url)
    )


def _rank(website: str | None, source_url: str, retrieved_at: datetime) -> tuple[bool, datetime]:
    """How far a source's reading of a field is trusted: own site first, then freshness."""
    return _is_own_site(website, source_url), retrieved_at


def _is_own_site(website: str | None, source_url: str) -> bool:
    """Whether a page is on the clinic's own website (or no website is known to say otherwise)."""
    if not website:
        return True
    return website_host(source_url) == website_host(website)


def _merge_clinic(
    clinic: Clinic, record: ListingRecord, name_first: bool, site_first: bool
) -> bool:
    """Name and website by precedence (empty ones are filled); services accumulate."""
    values: dict[str, Any] = {
        "modalities": sorted(set(clinic.modalities) | set(record.modalities)),
        "conditions": sorted(set(clinic.conditions) | set(record.conditions)),
    }
    if name_first or not clinic.name:
        values["name"] = record.name
    if record.website and (site_first or not clinic.website):
        values["website"] = record.website
    return assign(clinic, values)


def _location_key(location: Location | LocationRecord) -> tuple[str, str]:
    """What makes two addresses the same place: the building, however sources spell the street."""
    street = " ".join((location.street or location.raw or "").lower().split())
    return building(location) or (street, location.postal_code or "")


def _location_values(record: LocationRecord) -> dict[str, Any]:
    """A location's stored values; hours only when the record states some, as a page that
    prints none says nothing about when the clinic opens."""
    hours = {"hours": [opening.as_dict() for opening in record.hours]} if record.hours else {}
    return hours | {
        "street": record.street,
        "city": record.city,
        "state": record.state,
        "postal_code": record.postal_code,
        "lat": record.lat,
        "lon": record.lon,
        "phone": record.phone,
        "raw": record.raw,
    }


def _clinician_values(record: ClinicianRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "first_name": record.first_name,
        "middle_name": record.middle_name,
        "last_name": record.last_name,
        "suffix": record.suffix,
        "credentials_raw": record.credentials_raw,
        "credentials": list(record.credentials),
        "npi": record.npi,
        "license_number": record.license_number,
    }


def _merge_locations(
    clinic: Clinic, records: Iterable[LocationRecord], authoritative: bool
) -> bool:
    """Add new addresses; refresh known ones."""
    return _merge_children(
        clinic.locations,
        records,
        key=_location_key,
        values=_location_values,
        create=lambda record, values: Location(position=len(clinic.locations), **values),
        authoritative=authoritative,
    )


def _merge_clinicians(
    clinic: Clinic, records: Iterable[ClinicianRecord], authoritative: bool
) -> bool:
    """Add newly named clinicians; refresh known ones."""
    return _merge_children(
        clinic.clinicians,
        records,
        key=lambda person: person.name_key,
        values=_clinician_values,
        create=lambda record, values: Clinician(name_key=record.name_key, **values),
        authoritative=authoritative,
    )


def _merge_children(
    children: list[Any],
    records: Iterable[Any],
    *,
    key: Callable[[Any], Hashable],
    values: Callable[[Any], dict[str, Any]],
    create: Callable[[Any, dict[str, Any]], Base],
    authoritative: bool,
) -> bool:
    """Merge records into a listing's rows of one kind, matched by key; True if anything changed."""
    known = {key(child): child for child in children}
    changed = False
    for record in records:
        child = known.get(key(record))
        if child is None:
            child = create(record, values(record))
            children.append(child)
            known[key(record)] = child
            changed = True
        else:
            changed |= _refresh(child, values(record), authoritative)
    return changed


def _refresh(target: Base, values: Mapping[str, Any], authoritative: bool) -> bool:
    """Update a known row: the clinic's own site overwrites, other sources only fill gaps."""
    if not authoritative:
        values = {
            name: value
            for name, value in values.items()
            if value not in (None, []) and getattr(target, name) in (None, [])
        }
    return assign(target, values)


def _record_sighting(clinic: Clinic, record: ListingRecord, run_id: int | None) -> bool:
    """Note that the record's source lists the clinic in this run; True if it was closed."""
    sighting = next((s for s in clinic.sightings if s.source_name == record.source_name), None)
    if sighting is None:
        sighting = Sighting(
            source_name=record.source_name, listing_key=record.key, last_seen=record.retrieved_at
        )
        clinic.sightings.append(sighting)
    sighting.last_seen = record.retrieved_at
    sighting.listing_key = record.key
    sighting.last_run_id = run_id
    sighting.missed_runs = 0
    reopened = clinic.possibly_closed
    clinic.possibly_closed = False
    return reopened


def _record_field_sources(session: Session, clinic: Clinic, record: ListingRecord) -> None:
    """Note which fields this source gave, and when it was last read."""
    given = {
        "name": True,
        "website": record.website is not None,
        "locations": bool(record.locations),
        "clinicians": bool(record.clinicians),
        "hours": any(location.hours for location in record.locations),
        "services": bool(record.modalities or record.conditions),
    }
    known = {(f.field, f.source_name, f.source_url): f for f in clinic.field_sources}
    for field in (name for name, present in given.items() if present):
        entry = known.get((field, record.source_name, record.source_url))
        if entry is None:
            clinic.field_sources.append(
                FieldSource(
                    field=field,
                    source_name=record.source_name,
                    source_url=record.source_url,
                    retrieved_at=record.retrieved_at,
                )
            )
        else:
            entry.retrieved_at = record.retrieved_at


def ingest_license(session: Session, record: LicenseRecord) -> CrawlOutcome:
    """Create or update one licence record; a change of status is kept with both dates."""
    key = {
        "source_name": record.source_name,
        "state": record.state,
        "license_type": record.license_type,
        "license_number": record.license_number,
    }
    outcome, row, before = _upsert(session, License, key, _record_values(record, key))
    if before and before["status"] != row.status:
        session.add(
            LicenseChange(
                license_id=row.id,
                old_status=before["status"],
                new_status=row.status,
                last_seen_old=before["retrieved_at"],
                first_seen_new=row.retrieved_at,
            )
        )
        session.flush()
    return outcome


LICENSE_KEY = ("source_name", "state", "license_type", "license_number")


def upsert_registry_licenses(session: Session, records: Iterable[LicenseRecord]) -> int:
    """Store many NPI-registry licence pointers at once (a bulk import); how many were stored.

    The registry's licences are all of status `unknown`, so no status change can be lost here:
    a known pointer gets the newer name, address and retrieval time, a new one is inserted.
    """
    rows = {tuple(getattr(r, name) for name in LICENSE_KEY): vars(r) for r in records}
    if not rows:
        return 0
    if any(row["status"] != LicenseStatus.UNKNOWN for row in rows.values()):
        raise ValueError("only licence pointers of unknown status are stored in bulk")
    statement = _upsert_statement(session, License)
    updated = {
        name: statement.excluded[name] for name in rows[next(iter(rows))] if name not in LICENSE_KEY
    }
    session.connection().execute(
        statement.on_conflict_do_update(index_elements=list(LICENSE_KEY), set_=updated),
        list(rows.values()),
    )
    return len(rows)


def ingest_organisation(session: Session, record: OrganisationRecord) -> CrawlOutcome:
    """Create or update one NPI-registry organisation by NPI, as `upsert_organisations` stores
    many, but telling a crawl whether it was new, updated or unchanged."""
    key = {"npi": record.npi}
    outcome, _, _ = _upsert(session, Organisation, key, _record_values(record, key))
    return outcome


def upsert_organisations(session: Session, records: Iterable[OrganisationRecord]) -> int:
    """Store many NPI-registry organisations at once, by NPI (the newer reading wins); how many."""
    rows = {record.npi: vars(record) for record in records}
    if not rows:
        return 0
    statement = _upsert_statement(session, Organisation)
    updated = {name: statement.excluded[name] for name in rows[next(iter(rows))] if name != "npi"}
    session.connection().execute(
        statement.on_conflict_do_update(index_elements=["npi"], set_=updated), list(rows.values())
    )
    return len(rows)


def _upsert_statement(session: Session, model: type[Base]) -> Any:
    """An INSERT into a model's table that can say what to do on a conflict, for the dialect."""
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model.__table__)


def ingest_exclusion(session: Session, record: ExclusionRecord) -> CrawlOutcome:
    """Create or update one exclusion, keyed by source and the row's identity."""
    key = {"source_name": record.source_name, "record_key": record.record_key}
    outcome, _, _ = _upsert(session, Exclusion, key, _record_values(record, key))
    return outcome


def _record_values(
    record: LicenseRecord | ExclusionRecord | OrganisationRecord, key: Mapping[str, Any]
) -> dict[str, Any]:
    """A record's fields other than its key, as column values."""
    return {name: value for name, value in vars(record).items() if name not in key}


def _upsert(
    session: Session, model: type[Model], key: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[CrawlOutcome, Model, dict[str, Any]]:
    """Insert or update by a natural key; `retrieved_at` alone does not make a change.

    Returns the outcome, the row, and the row's values as they were before (empty when new).
    """
    conditions = [getattr(model, name) == value for name, value in key.items()]
    row = session.scalars(select(model).where(*conditions)).one_or_none()
    if row is None:
        row = model(**key, **values)
        session.add(row)
        session.flush()
        return CrawlOutcome.NEW, row, {}
    before = {name: getattr(row, name) for name in values}
    content = {name: value for name, value in values.items() if name != "retrieved_at"}
    changed = assign(row, content)
    row.retrieved_at = values["retrieved_at"]  # type: ignore[attr-defined]
    session.flush()
    return (CrawlOutcome.UPDATED if changed else CrawlOutcome.UNCHANGED), row, before


def start_run(session: Session, source: Source) -> CrawlRun:
    """Record that a crawl of a source has begun."""
    run = CrawlRun(source_name=source.name, source_kind=source.kind.value, counts={}, errors=[])
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    run: CrawlRun,
    *,
    status: str,
    counts: Mapping[str, int],
    errors: list[str],
    error_count: int,
    finished_at: datetime | None = None,
) -> None:
    """Record how a crawl ended: what it stored, skipped and failed on."""
    run.status = status
    run.counts = dict(sorted(counts.items()))
    run.errors = errors[:MAX_RUN_ERRORS]
    run.error_count = error_count
    run.finished_at = finished_at or utcnow()
    session.flush()


def count_misses(session: Session, run: CrawlRun) -> None:
    """Once the monitors have judged a closed run: if it is a complete run of a listing source,
    count a miss against every listing of that source it did not list."""
    if run.source_kind in LISTING_KINDS and is_complete(run):
        _count_missed(session, run)


UNREAD_PAGES = ("errors/", "skipped/download_failed", "skipped/not_html")
"""Counts of pages a run could not read (a failed download by its cause, binary for HTML)."""


def is_complete(run: CrawlRun) -> bool:
    """Whether a run saw its whole source: it finished, read every page and listed something.

    Only a complete run can tell that a listing has gone; a run that failed, was cut short, left
    a page unread or read nothing at all (the source was down) says nothing about the listings
    it did not read.
    """
    return (
        run.status == "finished"
        and run.error_count == 0
        and not any(key.startswith(UNREAD_PAGES) for key in run.counts)
        and run.counts.get("item_scraped_count", 0) > 0
    )


def _count_missed(session: Session, run: CrawlRun) -> None:
    """Count a missed run against every listing of the run's source it did not list.

    A clinic every source of which has missed it `MISSED_RUNS_BEFORE_CLOSED` times running is
    possibly closed; it is kept, and shown as such.
    """
    missed = session.scalars(
        select(Sighting).where(
            Sighting.source_name == run.source_name,
            or_(Sighting.last_run_id.is_(None), Sighting.last_run_id != run.id),
        )
    ).all()
    for sighting in missed:
        sighting.missed_runs += 1
    for clinic in {sighting.clinic for sighting in missed}:
        clinic.possibly_closed = all(
            sighting.missed_runs >= MISSED_RUNS_BEFORE_CLOSED for sighting in clinic.sightings
        )
