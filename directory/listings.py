"""The open-data listing record (docs/contracts.md), shared by `clinics export` and the JSON API.

Also the small readers of a loaded clinic's verification history that the clinic page uses, so
that page and the record agree on which verification is the newest.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, NamedTuple, Protocol

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Row,
    bindparam,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from directory.models import (
    Clinic,
    Clinician,
    FieldSource,
    Flag,
    Location,
    VerdictOverride,
    Verification,
)
from directory.overrides import active_override
from directory.reasons import Reason
from directory.vocab import FlagStatus, Verdict

Evidence = dict[str, Any]


class _ClinicFields(Protocol):
    """What a record reads of a clinic: a loaded `Clinic` or a row of `_CLINICS`."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def website(self) -> str | None: ...
    @property
    def modalities(self) -> list[str]: ...
    @property
    def conditions(self) -> list[str]: ...
    @property
    def possibly_closed(self) -> bool: ...


class _LocationFields(Protocol):
    """What a record reads of a location."""

    @property
    def street(self) -> str | None: ...
    @property
    def city(self) -> str | None: ...
    @property
    def state(self) -> str | None: ...
    @property
    def postal_code(self) -> str | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def hours(self) -> list[dict[str, Any]]: ...


class _ClinicianFields(Protocol):
    """What a record reads of a clinician."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def credentials(self) -> list[str]: ...
    @property
    def npi(self) -> str | None: ...


class _VerificationFields(Protocol):
    """What a record reads of a verification."""

    @property
    def verdict(self) -> str: ...
    @property
    def checked_at(self) -> datetime: ...
    @property
    def reasons(self) -> list[str]: ...
    @property
    def evidence(self) -> list[Evidence]: ...


class _OverrideFields(Protocol):
    """What a record reads of a maintainer's override."""

    @property
    def verdict(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def set_at(self) -> datetime: ...


class _Override(NamedTuple):
    """An override in force, as read from a row of `_CLINICS`."""

    verdict: str
    reason: str
    set_at: datetime


class _Clinician(NamedTuple):
    """A clinician as read from the list in a row of `_CLINICS`."""

    id: int
    name: str
    credentials: list[str]
    npi: str | None


_BY_ID = attrgetter("id")


class _json_list(FunctionElement[Any]):  # noqa: N801 - an SQL function, named as one
    """SQL: a JSON list of the value over the rows (json_agg; SQLite: json_group_array); an
    empty list or NULL when there are none."""

    type = JSON()
    inherit_cache = True


class _json_object(FunctionElement[Any]):  # noqa: N801 - an SQL function, named as one
    """SQL: a JSON object of alternating keys and values (json_build_object; SQLite:
    json_object)."""

    type = JSON()
    inherit_cache = True


class _json_value(FunctionElement[Any]):  # noqa: N801 - an SQL function, named as one
    """SQL: a JSON column's value as JSON inside another JSON value (SQLite: json(), which
    keeps it from being quoted as text; PostgreSQL's json needs nothing)."""

    type = JSON()
    inherit_cache = True


def _render(name: str) -> Any:
    """A compiler writing the element as a call of the SQL function `name`."""

    def render(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
        return f"{name}({compiler.process(element.clauses, **kw)})"

    return render


compiles(_json_list)(_render("json_group_array"))
compiles(_json_list, "postgresql")(_render("json_agg"))
compiles(_json_object)(_render("json_object"))
compiles(_json_object, "postgresql")(_render("json_build_object"))
compiles(_json_value)(_render("json"))
compiles(_json_value, "postgresql")(_render(""))


def _json_fields(*columns: Any) -> ColumnElement[Any]:
    """SQL: a JSON object of the columns by their names."""
    pairs: list[ColumnElement[Any]] = []
    for column in columns:
        value = _json_value(column) if isinstance(column.type, JSON) else column
        pairs += [literal_column(f"'{column.key}'"), value]
    return _json_object(*pairs)


_IDS = bindparam("ids", expanding=True, type_=Integer)
_verifications = aliased(Verification)
_overrides = aliased(VerdictOverride)
_NEWEST_VERIFICATION = (
    select(_verifications.id)
    .where(_verifications.clinic_id == Clinic.id)
    .order_by(_verifications.checked_at.desc(), _verifications.id.desc())
    .limit(1)
    .correlate(Clinic)
    .scalar_subquery()
)  # as `newest_verification` chooses
_NEWEST_OVERRIDE = (
    select(func.max(_overrides.id))
    .where(_overrides.clinic_id == Clinic.id)
    .correlate(Clinic)
    .scalar_subquery()
)  # as `active_override` chooses: in force unless lifted
_CLINICIANS = (
    select(
        _json_list(_json_fields(Clinician.id, Clinician.name, Clinician.credentials, Clinician.npi))
    )
    .where(Clinician.clinic_id == Clinic.id)
    .correlate(Clinic)
    .scalar_subquery()
    .label("clinicians")
)  # in no order: sorted by id as read
_SOURCE_URLS = (
    select(_json_list(FieldSource.source_url))
    .where(FieldSource.clinic_id == Clinic.id)
    .correlate(Clinic)
    .scalar_subquery()
    .label("source_urls")
)
_CLINICS = (
    select(
        Clinic.id,
        Clinic.name,
        Clinic.website,
        Clinic.modalities,
        Clinic.conditions,
        Clinic.possibly_closed,
        Verification.verdict,
        Verification.checked_at,
        Verification.reasons,
        Verification.evidence,
        VerdictOverride.verdict.label("override_verdict"),
        VerdictOverride.reason.label("override_reason"),
        VerdictOverride.set_at.label("override_set_at"),
        exists()
        .where(Flag.clinic_id == Clinic.id, Flag.status == FlagStatus.OPEN)
        .label("under_review"),
        _CLINICIANS,
        _SOURCE_URLS,
    )
    .select_from(Clinic)
    .outerjoin(Verification, Verification.id == _NEWEST_VERIFICATION)
    .outerjoin(
        VerdictOverride,
        (VerdictOverride.id == _NEWEST_OVERRIDE) & VerdictOverride.lifted_at.is_(None),
    )
    .where(Clinic.id.in_(_IDS))
)
_LOCATIONS = (
    select(
        Location.clinic_id,
        Location.street,
        Location.city,
        Location.state,
        Location.postal_code,
        Location.lat,
        Location.lon,
        Location.phone,
        Location.hours,
    )
    .where(Location.clinic_id.in_(_IDS))
    .order_by(Location.clinic_id, Location.position, Location.id)
)


def _grouped(rows: Iterable[Row[Any]]) -> dict[int, list[Row[Any]]]:
    """Rows by their `clinic_id`, in the order read."""
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.clinic_id].append(row)
    return grouped


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


def evidence_by_clinician(verification: _VerificationFields | None) -> dict[int, list[Evidence]]:
    """A verification's evidence grouped by the id of the clinician it is about."""
    grouped: dict[int, list[Evidence]] = defaultdict(list)
    for item in verification.evidence if verification else []:
        grouped[item["clinician_id"]].append(item)
    return dict(grouped)


def listing_record(clinic: Clinic) -> dict[str, Any]:
    """One listing as the open-data export and the JSON API publish it; JSON-serialisable."""
    return _record(
        clinic,
        clinic.locations,
        clinic.clinicians,
        {source.source_url for source in clinic.field_sources},
        newest_verification(clinic),
        active_override(clinic),
        under_review(clinic),
    )


def listing_records(session: Session, clinic_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """The listing records of many clinics by id, read as plain rows in two queries.

    The same records as `listing_record` gives for each loaded clinic (a test holds them
    equal), without building the clinics' objects: the search API reads a page this way. The
    newest verification, the override in force and the open flags are chosen in SQL by the
    rules their readers above apply to a loaded clinic; each clinic's clinicians and source
    addresses come with it as JSON lists (its locations apart: SQLite writes a number into
    JSON with 15 digits, which would round their coordinates).
    """
    if not clinic_ids:
        return {}
    connection = session.connection()
    locations = _grouped(connection.execute(_LOCATIONS, {"ids": list(clinic_ids)}))
    records = {}
    for row in connection.execute(_CLINICS, {"ids": list(clinic_ids)}):
        verification = row if row.checked_at is not None else None
        override = _Override(row.override_verdict, row.override_reason, row.override_set_at)
        clinicians = sorted((_Clinician(**item) for item in row.clinicians or ()), key=_BY_ID)
        records[row.id] = _record(
            row,
            locations.get(row.id, []),
            clinicians,
            set(row.source_urls or ()),
            verification,
            override if row.override_verdict is not None else None,
            row.under_review,
        )
    return records


def _record(
    clinic: _ClinicFields,
    locations: Sequence[_LocationFields],
    clinicians: Sequence[_ClinicianFields],
    source_urls: set[str],
    verification: _VerificationFields | None,
    override: _OverrideFields | None,
    reviewing: bool,
) -> dict[str, Any]:
    """A listing record from its parts, however they were read."""
    evidence = evidence_by_clinician(verification)
    return {
        "id": clinic.id,
        "name": clinic.name,
        "website": clinic.website,
        "source_urls": sorted(source_urls),
        "locations": [_location_record(location) for location in locations],
        "modalities": list(clinic.modalities),
        "conditions": list(clinic.conditions),
        "clinicians": [
            _clinician_record(clinician, evidence.get(clinician.id, [])) for clinician in clinicians
        ],
        "verification": _verification_record(verification, override),
        "under_review": reviewing,
        "possibly_closed": clinic.possibly_closed,
    }


def _location_record(location: _LocationFields) -> dict[str, Any]:
    """A location's address, coordinates, phone and opening hours."""
    return {
        "street": location.street,
        "city": location.city,
        "state": location.state,
        "postal_code": location.postal_code,
        "lat": location.lat,
        "lon": location.lon,
        "phone": location.phone,
        "hours": list(location.hours),
    }


def _clinician_record(clinician: _ClinicianFields, evidence: list[Evidence]) -> dict[str, Any]:
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


def _reason_detail(reason: str) -> dict[str, Any]:
    """A reason's English text, template and params (dates as `{"date": ISO}`); a reason stored
    as plain text has no template and no params."""
    if isinstance(reason, Reason):
        return reason.to_json()
    return {"text": reason, "template": None, "params": {}}


def _verification_record(
    verification: _VerificationFields | None, override: _OverrideFields | None
) -> dict[str, Any]:
    """The verdict, when it was reached (ISO 8601, UTC) and why; "unverified" if never checked.

    A maintainer's override gives the status and is published beside the checker's reasons.
    The reasons are English text (dates in ISO 8601); `reason_details` gives each with the
    template and params it was filled from, for a reader that shows it in another language.
    """
    computed = Verdict(verification.verdict) if verification else Verdict.UNVERIFIED
    return {
        "status": Verdict(override.verdict if override else computed).value,
        "checked_at": verification.checked_at.astimezone(UTC).isoformat() if verification else None,
        "reasons": list(verification.reasons) if verification else [],
        "reason_details": [_reason_detail(r) for r in verification.reasons] if verification else [],
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
