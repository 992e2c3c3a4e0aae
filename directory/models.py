"""SQLAlchemy 2 typed models: listings, clinicians, licence and exclusion records, verdicts, runs.

Times are stored as UTC; the naming convention gives every constraint a stable name so that
migrations behave the same on SQLite and PostgreSQL.
"""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from directory.reasons import Reason
from directory.vocab import Decision, LicenseStatus, LicenseType, Verdict


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored as UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ReasonList(TypeDecorator[list[str]]):
    """A verdict's reasons as JSON: each `Reason` with its template and params, other text as is."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> list[Any] | None:
        if value is None:
            return None
        return [item.to_json() if isinstance(item, Reason) else item for item in value]

    def process_result_value(self, value: list[Any] | None, dialect: Dialect) -> list[str] | None:
        if value is None:
            return None
        return [Reason.from_json(item) for item in value]


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

intpk = Annotated[int, mapped_column(primary_key=True)]
created = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow)]
short = Annotated[str, mapped_column(String(255))]
state_code = Annotated[str, mapped_column(String(2))]


class Base(DeclarativeBase):
    """Declarative base with the naming convention and type map."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
        list[dict[str, Any]]: JSON,
        str: String(255),
    }


class Clinic(Base):
    """A listing: one clinic, with its locations, services and named clinicians."""

    __tablename__ = "clinics"
    __table_args__ = (
        # Search reads the verdict and name of every clinic near the place, which this index
        # holds: each is looked up in it alone, not in the (wide) table.
        Index("ix_clinics_search", "id", "verdict", "name"),
    )

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str]
    website: Mapped[str | None] = mapped_column(String(500))
    modalities: Mapped[list[str]] = mapped_column(default=list)
    conditions: Mapped[list[str]] = mapped_column(default=list)
    verdict: Mapped[Verdict] = mapped_column(String(20), default=Verdict.UNVERIFIED, index=True)
    verdict_checked_at: Mapped[datetime | None]
    needs_check: Mapped[bool] = mapped_column(default=True)
    first_seen: Mapped[created]
    last_seen: Mapped[created]
    possibly_closed: Mapped[bool] = mapped_column(default=False)
    """Missing from several consecutive complete runs of every source that listed it."""

    locations: Mapped[list["Location"]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="Location.position"
    )
    clinicians: Mapped[list["Clinician"]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="Clinician.id"
    )
    field_sources: Mapped[list["FieldSource"]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="FieldSource.id"
    )
    verifications: Mapped[list["Verification"]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="Verification.id"
    )
    flags: Mapped[list["Flag"]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="Flag.id"
    )
    overrides: Mapped[list["VerdictOverride"]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="VerdictOverride.id"
    )
    removal: Mapped["ListingRemoval | None"] = relationship(
        back_populates="clinic",
        cascade="all, delete-orphan",
        foreign_keys="ListingRemoval.clinic_id",
    )
    sightings: Mapped[list["Sighting"]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="Sighting.id"
    )
    changes: Mapped[list["ListingChange"]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="ListingChange.id"
    )


class Location(Base):
    """One address of a clinic, with its coordinates for distance search."""

    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("clinic_id", "position"),
        Index("ix_locations_lat_lon", "lat", "lon"),
        # What search reads of each location the spatial index finds, by its id: held here,
        # so that the (wide) table is not read.
        Index("ix_locations_search", "id", "clinic_id", "lat", "lon"),
    )

    id: Mapped[intpk]
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    position: Mapped[int]
    street: Mapped[str | None]
    city: Mapped[str | None]
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    phone: Mapped[str | None] = mapped_column(String(20))
    raw: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[list[dict[str, Any]]] = mapped_column(default=list, server_default="[]")
    """Opening hours: `{"day": "mo", "opens": "09:00", "closes": "17:00"}` in week order; a
    `closes` before `opens` is on the next day (`fr` 18:00–02:00 is Friday night); "24:00" is
    the day's end."""

    clinic: Mapped[Clinic] = relationship(back_populates="locations")


class FieldSource(Base):
    """Where a field of a listing came from, and when it was last seen there."""

    __tablename__ = "field_sources"
    __table_args__ = (UniqueConstraint("clinic_id", "field", "source_name", "source_url"),)

    id: Mapped[intpk]
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(40))
    source_name: Mapped[short]
    source_url: Mapped[str] = mapped_column(String(1000))
    retrieved_at: Mapped[datetime]

    clinic: Mapped[Clinic] = relationship(back_populates="field_sources")


class Sighting(Base):
    """A listing source's record of a clinic: its key there, the run that last listed it, and
    the runs that have missed it since."""

    __tablename__ = "sightings"
    __table_args__ = (UniqueConstraint("clinic_id", "source_name"),)

    id: Mapped[intpk]
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    source_name: Mapped[short] = mapped_column(index=True)
    listing_key: Mapped[str]
    """The key the source's listing had; another source's key may have named the clinic."""
    last_seen: Mapped[datetime]
    last_run_id: Mapped[int | None]
    missed_runs: Mapped[int] = mapped_column(default=0)

    clinic: Mapped[Clinic] = relationship(back_populates="sightings")


class Clinician(Base):
    """A clinician named on a listing, as written and normalised."""

    __tablename__ = "clinicians"
    __table_args__ = (UniqueConstraint("clinic_id", "name_key"),)

    id: Mapped[intpk]
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    name: Mapped[str]
    name_key: Mapped[str]
    first_name: Mapped[str | None]
    middle_name: Mapped[str | None]
    last_name: Mapped[str] = mapped_column(index=True)
    suffix: Mapped[str | None] = mapped_column(String(10))
    """A generational suffix in canonical form: JR, SR, II, III, IV, V."""
    credentials_raw: Mapped[str | None]
    credentials: Mapped[list[str]] = mapped_column(default=list)
    npi: Mapped[str | None] = mapped_column(String(10), index=True)
    license_number: Mapped[str | None] = mapped_column(String(40))

    clinic: Mapped[Clinic] = relationship(back_populates="clinicians")


class License(Base):
    """A licence record as a public source published it."""

    __tablename__ = "licenses"
    __table_args__ = (
        UniqueConstraint("source_name", "state", "license_type", "license_number"),
        Index("ix_licenses_state_number", "state", "license_number"),
    )

    id: Mapped[intpk]
    source_name: Mapped[short]
    state: Mapped[state_code]
    license_type: Mapped[LicenseType] = mapped_column(String(20))
    license_type_raw: Mapped[str | None]
    license_number: Mapped[str] = mapped_column(String(40))
    first_name: Mapped[str | None]
    middle_name: Mapped[str | None]
    last_name: Mapped[str]
    last_key: Mapped[str] = mapped_column(index=True)
    last_key_head: Mapped[str | None] = mapped_column(index=True)
    last_key_tail: Mapped[str | None] = mapped_column(index=True)
    last_key_sound: Mapped[str | None] = mapped_column(String(20), index=True)
    """The surname's phonetic key (Metaphone), so that a misspelt surname finds it."""
    suffix: Mapped[str | None] = mapped_column(String(10))
    """The holder's generational suffix in canonical form: JR, SR, II, III, IV, V."""
    full_name: Mapped[str]
    specialty: Mapped[str | None]
    """The board's specialty or the NPI registry's taxonomy ("Psychiatry & Neurology, …")."""
    status: Mapped[LicenseStatus] = mapped_column(String(20))
    status_raw: Mapped[str | None]
    issue_date: Mapped[date | None]
    expiration_date: Mapped[date | None]
    city: Mapped[str | None]
    postal_code: Mapped[str | None] = mapped_column(String(10))
    npi: Mapped[str | None] = mapped_column(String(10), index=True)
    source_url: Mapped[str] = mapped_column(String(1000))
    retrieved_at: Mapped[datetime]


class LicenseChange(Base):
    """A licence record's status as it changed between two retrievals (active → expired, …)."""

    __tablename__ = "license_changes"

    id: Mapped[intpk]
    license_id: Mapped[int] = mapped_column(
        ForeignKey("licenses.id", ondelete="CASCADE"), index=True
    )
    old_status: Mapped[LicenseStatus] = mapped_column(String(20))
    new_status: Mapped[LicenseStatus] = mapped_column(String(20))
    last_seen_old: Mapped[datetime]
    first_seen_new: Mapped[datetime] = mapped_column(index=True)

    license: Mapped["License"] = relationship()


class MatchDecision(Base):
    """A maintainer's word on whether a licence record belongs to a clinician a listing names.

    Both sides are kept by natural key (the listing's key and the clinician's name key; the
    licence's source, state, type and number), so a decision outlives re-crawls that rebuild rows.
    Decisions are never overwritten: the newest for a pair is the one in force.
    """

    __tablename__ = "match_decisions"
    __table_args__ = (Index("ix_match_decisions_clinician", "clinic_key", "clinician_key"),)

    id: Mapped[intpk]
    clinic_key: Mapped[str]
    clinician_key: Mapped[str]
    license_source: Mapped[short]
    license_state: Mapped[state_code]
    license_type: Mapped[LicenseType] = mapped_column(String(20))
    license_number: Mapped[str] = mapped_column(String(40))
    decision: Mapped[Decision] = mapped_column(String(20))
    decided_by: Mapped[short]
    decided_at: Mapped[created]
    note: Mapped[str] = mapped_column(Text, default="")


class ImportCheckpoint(Base):
    """How far a bulk import of one file has got, so that an interrupted import resumes."""

    __tablename__ = "import_checkpoints"
    __table_args__ = (UniqueConstraint("source_name", "fingerprint"),)

    id: Mapped[intpk]
    source_name: Mapped[short]
    file_name: Mapped[str] = mapped_column(String(1000))
    fingerprint: Mapped[str] = mapped_column(String(64))
    rows_done: Mapped[int] = mapped_column(BigInteger, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[created]
    updated_at: Mapped[created]
    finished_at: Mapped[datetime | None]


class Exclusion(Base):
    """A row of the OIG List of Excluded Individuals/Entities."""

    __tablename__ = "exclusions"
    __table_args__ = (UniqueConstraint("source_name", "record_key"),)

    id: Mapped[intpk]
    source_name: Mapped[short]
    record_key: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str | None]
    middle_name: Mapped[str | None]
    last_name: Mapped[str | None]
    last_key: Mapped[str | None] = mapped_column(index=True)
    business_name: Mapped[str | None]
    general: Mapped[str | None]
    specialty: Mapped[str | None]
    npi: Mapped[str | None] = mapped_column(String(10), index=True)
    state: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None]
    postal_code: Mapped[str | None] = mapped_column(String(10))
    exclusion_type: Mapped[str | None] = mapped_column(String(20))
    excluded_on: Mapped[date | None]
    reinstated_on: Mapped[date | None]
    waiver_on: Mapped[date | None]
    source_url: Mapped[str] = mapped_column(String(1000))
    retrieved_at: Mapped[datetime]


class Organisation(Base):
    """An organisation the NPI registry lists (NPI-2): a clinic or group, which holds no licence
    of its own but whose NPI a listing may print."""

    __tablename__ = "organisations"

    id: Mapped[intpk]
    npi: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str]
    taxonomy_code: Mapped[str | None] = mapped_column(String(10))
    state: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None]
    postal_code: Mapped[str | None] = mapped_column(String(10))
    source_name: Mapped[short]
    source_url: Mapped[str] = mapped_column(String(1000))
    retrieved_at: Mapped[datetime]


class ListingChange(Base):
    """A change seen in the records a listing's verdict rests on, between two checks: a licence
    whose status changed, a new exclusion or one lifted, a licence soon to expire."""

    __tablename__ = "listing_changes"

    id: Mapped[intpk]
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    clinician: Mapped[str]
    record: Mapped[str]
    """Which record, in words: "MD licence Q1234 in TX (tx-board)"."""
    old_status: Mapped[str] = mapped_column(String(40))
    new_status: Mapped[str] = mapped_column(String(40))
    last_seen_old: Mapped[datetime]
    first_seen_new: Mapped[datetime] = mapped_column(index=True)
    expires: Mapped[date | None]
    notified_at: Mapped[datetime | None]
    """When maintainers were told of it; none until a notification channel took it."""

    clinic: Mapped[Clinic] = relationship(back_populates="changes")


class Verification(Base):
    """One licensing verdict on a listing with its evidence; a new row each time it changes."""

    __tablename__ = "verifications"
    __table_args__ = (Index("ix_verifications_clinic_checked", "clinic_id", "checked_at"),)

    id: Mapped[intpk]
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    verdict: Mapped[Verdict] = mapped_column(String(20))
    as_of: Mapped[date]
    checked_at: Mapped[datetime]
    reasons: Mapped[list[str]] = mapped_column(ReasonList, default=list)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(default=list)

    clinic: Mapped[Clinic] = relationship(back_populates="verifications")


class CrawlRun(Base):
    """One crawl of one source: when, what it stored, and what it skipped or failed on."""

    __tablename__ = "crawl_runs"

    id: Mapped[intpk]
    source_name: Mapped[short] = mapped_column(index=True)
    source_kind: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[created]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(60), default="running")  # "stopped: <reason>"
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[str]] = mapped_column(default=list)
    findings: Mapped[list[str]] = mapped_column(default=list)
    """What the monitors found against the previous successful run (a `suspect` run has some)."""

    shards: Mapped[list["CrawlShard"]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="CrawlShard.position"
    )

    @property
    def suspect(self) -> bool:
        """Whether the monitors found this run out of line with the last successful one."""
        return self.status == "suspect"


class CrawlShard(Base):
    """One part of a crawl run (a batch of clinic sites, the registry look-ups of one state)."""

    __tablename__ = "crawl_shards"
    __table_args__ = (UniqueConstraint("run_id", "position"),)

    id: Mapped[intpk]
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"))
    position: Mapped[int]
    part: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[str]] = mapped_column(default=list)

    run: Mapped[CrawlRun] = relationship(back_populates="shards")


class CrawlLock(Base):
    """A source being crawled, when the locks live in the database (`directory.locks`): held by
    one owner (a planned run, `run:<id>`, or a crawl process) until released or its lease runs out.
    """

    __tablename__ = "crawl_locks"

    source_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    holder: Mapped[short]
    expires_at: Mapped[datetime]


class VerdictCount(Base):
    """How many public listings in a state had a verdict on a day: the dashboard's history.

    Recorded after every verification (the day's last count stands); a listing with locations
    in several states counts in each, one without a state under the empty state.
    """

    __tablename__ = "verdict_counts"
    __table_args__ = (UniqueConstraint("day", "state", "verdict"),)

    id: Mapped[intpk]
    day: Mapped[date] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(String(2))
    verdict: Mapped[Verdict] = mapped_column(String(20))
    listings: Mapped[int]


class Flag(Base):
    """An advocate's report that a listing looks unlicensed, closed or unsafe."""

    __tablename__ = "flags"

    id: Mapped[intpk]
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    details: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(1000))
    contact_email: Mapped[str | None]
    reporter_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[created]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)

    clinic: Mapped[Clinic] = relationship(back_populates="flags")


class User(Base):
    """A maintainer's account."""

    __tablename__ = "users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(unique=True)
    password_hash: Mapped[str]
    role: Mapped[str] = mapped_column(String(20), default="maintainer")
    created_at: Mapped[created]
    last_login_at: Mapped[datetime | None]


class VerdictOverride(Base):
    """A maintainer's verdict on a listing: it outranks the checker's until replaced or lifted."""

    __tablename__ = "verdict_overrides"

    id: Mapped[intpk]
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flags.id", ondelete="SET NULL"))
    verdict: Mapped[Verdict] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[created]
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lifted_reason: Mapped[str | None] = mapped_column(Text)

    clinic: Mapped[Clinic] = relationship(back_populates="overrides")


class ListingRemoval(Base):
    """A listing taken out of the public directory: hidden, or merged into the one it repeats."""

    __tablename__ = "listing_removals"

    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinics.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removed_at: Mapped[created]

    clinic: Mapped[Clinic] = relationship(back_populates="removal", foreign_keys=[clinic_id])
    merged_into: Mapped[Clinic | None] = relationship(foreign_keys=[merged_into_id])


class AuditEntry(Base):
    """One maintainer action: who, what, when, and the state before and after (append-only).

    The migration adds triggers that refuse UPDATE and DELETE; there are no foreign keys, so
    removing a user or a listing never touches the log.
    """

    __tablename__ = "audit_log"

    id: Mapped[intpk]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None]
    actor: Mapped[str]
    action: Mapped[str] = mapped_column(String(40))
    clinic_id: Mapped[int | None] = mapped_column(index=True)
    target: Mapped[str] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class DataGeneration(Base):
    """One row: a counter that every change to what a search can show bumps (by triggers, see
    `directory.generation`), so caches of search results can tell when they are out of date."""

    __tablename__ = "data_generation"

    id: Mapped[intpk]
    value: Mapped[int] = mapped_column(BigInteger, default=0)
