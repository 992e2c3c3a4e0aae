"""SQLAlchemy 2 typed models: listings, clinicians, licence and exclusion records, verdicts, runs.

Times are stored as UTC; the naming convention gives every constraint a stable name so that
migrations behave the same on SQLite and PostgreSQL.
"""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
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

from directory.vocab import LicenseStatus, LicenseType, Verdict


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


class Location(Base):
    """One address of a clinic, with its coordinates for distance search."""

    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("clinic_id", "position"),
        Index("ix_locations_lat_lon", "lat", "lon"),
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
    full_name: Mapped[str]
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


class Verification(Base):
    """One licensing verdict on a listing with its evidence; a new row each time it changes."""

    __tablename__ = "verifications"
    __table_args__ = (Index("ix_verifications_clinic_checked", "clinic_id", "checked_at"),)

    id: Mapped[intpk]
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    verdict: Mapped[Verdict] = mapped_column(String(20))
    as_of: Mapped[date]
    checked_at: Mapped[datetime]
    reasons: Mapped[list[str]] = mapped_column(default=list)
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
    status: Mapped[str] = mapped_column(String(20), default="running")
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
    """A source being crawled: held by one run until released or until the lease runs out."""

    __tablename__ = "crawl_locks"

    source_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    holder: Mapped[short]
    expires_at: Mapped[datetime]


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


class User(Base):
    """A maintainer's account."""

    __tablename__ = "users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(unique=True)
    password_hash: Mapped[str]
    role: Mapped[str] = mapped_column(String(20), default="maintainer")
    created_at: Mapped[created]
    last_login_at: Mapped[datetime | None]
