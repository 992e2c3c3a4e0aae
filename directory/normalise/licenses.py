"""Licence records from state licence tables and NPPES, and exclusions from the OIG LEIE."""

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from directory.items import ExclusionItem, LicenseItem, NpiRecordItem
from directory.normalise.addresses import zip5
from directory.normalise.dates import parse_date
from directory.normalise.geo import state_code
from directory.normalise.names import (
    fold_name,
    generational_suffix,
    license_types_for,
    parse_credentials,
    parse_person,
    surname_part_keys,
    surname_sound,
)
from directory.normalise.npi import valid_npi
from directory.normalise.records import (
    ExclusionRecord,
    LicenseRecord,
    NormaliseError,
    OrganisationRecord,
)
from directory.sources import Source
from directory.vocab import LicenseField, LicenseStatus, LicenseType

_LONGEST_LICENSE_NUMBER = 40  # the column's width in the database
_NO_LICENSE = frozenset({"", "NA", "N/A", "NONE", "--", "0"})
# A DEA registration: two letters and seven digits, the last a check digit.
_DEA_NUMBER = re.compile(r"[ABCDEFGHJKLMPRSTUX][A-Z9](\d{7})", re.ASCII)
_DEA_WORD = re.compile(r"\bDEA\b", re.IGNORECASE)
_Word = TypeVar("_Word", LicenseStatus, LicenseType)
_TAXONOMY_TYPES: tuple[tuple[str, LicenseType], ...] = (
    ("363L", LicenseType.NP),
    ("363A", LicenseType.PA),
    ("367500000X", LicenseType.CRNA),
    ("163W", LicenseType.RN),
    ("164", LicenseType.LPN),
    ("103T", LicenseType.PSYCHOLOGIST),
    ("101Y", LicenseType.LPC),
    ("1041C", LicenseType.LCSW),
    ("106H", LicenseType.LMFT),
    ("20", LicenseType.MD),  # allopathic and osteopathic physicians share the 20* codes
)
CLINIC_TAXONOMY_PREFIXES = (
    "261QM0801X",
    "261QM0850X",
    "261QM1300X",
    "193200000X",
    "193400000X",
)
"""Mental-health and multi-specialty clinics and groups: the organisations (NPI-2) kept, whether
the registry gives them as a taxonomy's code or as the group its taxonomies belong to."""


def normalise_license(item: LicenseItem, source: Source) -> LicenseRecord:
    """One row of a state licence table in our vocabulary.

    The state is the source's: a row's own `state` column is usually the holder's mailing
    address, and a Texas licensee living in Oklahoma still holds a Texas licence. A status the
    source's `status_map` does not name is UNKNOWN, never active.
    """
    fields = item.fields
    if source.state is None:
        raise NormaliseError("missing_state", f"source {source.name!r} names no state")
    number = _license_number(_field(fields, LicenseField.LICENSE_NUMBER))
    first = _field(fields, LicenseField.FIRST_NAME)
    middle = _field(fields, LicenseField.MIDDLE_NAME)
    last = _field(fields, LicenseField.LAST_NAME)
    full = _field(fields, LicenseField.FULL_NAME)
    suffix = _field(fields, LicenseField.NAME_SUFFIX)
    if last is None and full is not None:
        person = parse_person(full)  # "LAST, FIRST MIDDLE" and "FIRST MIDDLE LAST" both occur
        first, middle, last = person.first, person.middle, person.last
        suffix = suffix or person.suffix
    if last is None:
        raise NormaliseError("missing_name", f"licence {number}")
    head, tail = surname_part_keys(last)
    status_raw = _field(fields, LicenseField.STATUS)
    type_raw = _field(fields, LicenseField.LICENSE_TYPE)
    return LicenseRecord(
        source_name=item.source_name,
        state=source.state,
        license_type=_lookup(source.type_map, type_raw) or LicenseType.OTHER,
        license_type_raw=type_raw,
        license_number=number,
        first_name=first,
        middle_name=middle,
        last_name=last,
        last_key=fold_name(last),
        last_key_head=head,
        last_key_tail=tail,
        last_key_sound=surname_sound(fold_name(last)),
        suffix=generational_suffix(suffix) or generational_suffix(last),
        full_name=full or " ".join(part for part in (first, middle, last) if part),
        specialty=_field(fields, LicenseField.SPECIALTY),
        status=_lookup(source.status_map, status_raw) or LicenseStatus.UNKNOWN,
        status_raw=status_raw,
        issue_date=parse_date(fields.get(LicenseField.ISSUE_DATE)),
        expiration_date=parse_date(fields.get(LicenseField.EXPIRATION_DATE)),
        city=_field(fields, LicenseField.CITY),
        postal_code=zip5(fields.get(LicenseField.POSTAL_CODE)),
        npi=valid_npi(fields.get(LicenseField.NPI)),
        source_url=item.source_url,
        retrieved_at=item.retrieved_at,
    )


def unmapped_words(record: LicenseRecord, source: Source) -> tuple[str, ...]:
    """Which of a board row's words the source's maps do not name (`status`, `license_type`):
    the row is kept, its status unknown or its type other, and the crawl counts it."""
    status = record.status_raw and _lookup(source.status_map, record.status_raw) is None
    kind = record.license_type_raw and _lookup(source.type_map, record.license_type_raw) is None
    return (("status",) if status else ()) + (("license_type",) if kind else ())


def normalise_npi_record(item: NpiRecordItem) -> tuple[LicenseRecord, ...]:
    """The state licences an NPPES individual lists, one per state, number and type.

    NPPES licence numbers are typed in by providers and never checked by CMS, so each record's
    status is UNKNOWN: a pointer to the state's own table, not proof. Organisations (NPI-2) hold
    no licences and give no records.
    """
    record = item.record
    if record.get("enumeration_type") != "NPI-1":
        return ()
    basic = _json_object(record.get("basic"), "basic")
    last = _value(basic.get("last_name"))
    if last is None:
        raise NormaliseError("missing_name", f"NPI {record.get('number')!r}")
    first, middle = _value(basic.get("first_name")), _value(basic.get("middle_name"))
    suffix = _value(basic.get("name_suffix"))
    generation = generational_suffix(suffix) or generational_suffix(last)
    sound = surname_sound(fold_name(last))
    credential_types = license_types_for(parse_credentials(_value(basic.get("credential"))))
    location = _location_address(_json_objects(record.get("addresses"), "addresses"))
    head, tail = surname_part_keys(last)
    records: dict[tuple[str, str, LicenseType], LicenseRecord] = {}
    taxonomies = sorted(
        _json_objects(record.get("taxonomies"), "taxonomies"), key=lambda t: not t.get("primary")
    )
    for taxonomy in taxonomies:
        number, state = _npi_license(taxonomy)
        if number is None or state is None:
            continue
        code = str(taxonomy.get("code") or "")
        license_type = _license_type(credential_types, code)
        records.setdefault(
            (state, number, license_type),
            LicenseRecord(
                source_name=item.source_name,
                state=state,
                license_type=license_type,
                license_type_raw=_value(taxonomy.get("desc")),
                license_number=number,
                first_name=first,
                middle_name=middle,
                last_name=last,
                last_key=fold_name(last),
                last_key_head=head,
                last_key_tail=tail,
                last_key_sound=sound,
                suffix=generation,
                full_name=" ".join(part for part in (first, middle, last, suffix) if part),
                specialty=code or None,
                status=LicenseStatus.UNKNOWN,
                status_raw=None,
                issue_date=None,
                expiration_date=None,
                city=_value(location.get("city")),
                postal_code=zip5(_value(location.get("postal_code"))),
                npi=valid_npi(record.get("number")),
                source_url=item.source_url,
                retrieved_at=item.retrieved_at,
            ),
        )
    return tuple(records.values())


def normalise_npi_organisation(item: NpiRecordItem) -> OrganisationRecord | None:
    """An NPPES clinic or group (NPI-2) with its primary taxonomy; None for an individual and
    for an organisation of another kind (a pharmacy, a dental practice).

    Organisations hold no licences, but a listing may print an organisation's NPI where a
    clinician's belongs, and that is worth saying. The registry API's results and the
    dissemination file's rows both come here, so either source keeps the same organisations.
    """
    record = item.record
    if record.get("enumeration_type") != "NPI-2":
        return None
    taxonomies = sorted(
        _json_objects(record.get("taxonomies"), "taxonomies"), key=lambda t: not t.get("primary")
    )
    if not any(_is_clinic_taxonomy(taxonomy) for taxonomy in taxonomies):
        return None
    npi = valid_npi(record.get("number"))
    if npi is None:
        raise NormaliseError("bad_npi", f"NPI {record.get('number')!r}")
    name = _value(_json_object(record.get("basic"), "basic").get("organization_name"))
    if name is None:
        raise NormaliseError("missing_name", f"NPI {npi}")
    location = _location_address(_json_objects(record.get("addresses"), "addresses"))
    return OrganisationRecord(
        npi=npi,
        name=name,
        taxonomy_code=_value(taxonomies[0].get("code")) if taxonomies else None,
        state=state_code(_value(location.get("state"))),
        city=_value(location.get("city")),
        postal_code=zip5(_value(location.get("postal_code"))),
        source_name=item.source_name,
        source_url=item.source_url,
        retrieved_at=item.retrieved_at,
    )


def _is_clinic_taxonomy(taxonomy: Mapping[str, Any]) -> bool:
    """Whether a taxonomy's code, or the group it is registered under, is a clinic's or group's.

    The group comes as "193200000X - Multi-Specialty Group" or "193200000X MULTI-SPECIALTY
    GROUP": the code leads either way.
    """
    given = (_value(taxonomy.get("code")), _value(taxonomy.get("taxonomy_group")))
    return any(value and value.startswith(CLINIC_TAXONOMY_PREFIXES) for value in given)


def npi_file_record(row: Mapping[str, str]) -> dict[str, Any]:
    """A row of the NPPES dissemination file in the shape of an API result.

    So that `normalise_npi_record` reads both alike; the file gives taxonomy codes only, which
    stand in for the API's descriptions.
    """
    slots = range(1, 16)
    return {
        "number": row["NPI"],
        "enumeration_type": {"1": "NPI-1", "2": "NPI-2"}.get(row["Entity Type Code"]),
        "basic": {
            "organization_name": row["Provider Organization Name (Legal Business Name)"],
            "first_name": row["Provider First Name"],
            "middle_name": row["Provider Middle Name"],
            "last_name": row["Provider Last Name (Legal Name)"],
            "name_suffix": row["Provider Name Suffix Text"],
            "credential": row["Provider Credential Text"],
        },
        "addresses": [
            {
                "address_purpose": "LOCATION",
                "city": row["Provider Business Practice Location Address City Name"],
                "state": row["Provider Business Practice Location Address State Name"],
                "postal_code": row["Provider Business Practice Location Address Postal Code"],
            }
        ],
        "taxonomies": [
            {
                "code": row[f"Healthcare Provider Taxonomy Code_{slot}"],
                "desc": row[f"Healthcare Provider Taxonomy Code_{slot}"],
                "license": row[f"Provider License Number_{slot}"],
                "state": row[f"Provider License Number State Code_{slot}"],
                "primary": row[f"Healthcare Provider Primary Taxonomy Switch_{slot}"] == "Y",
                "taxonomy_group": row[f"Healthcare Provider Taxonomy Group_{slot}"],
            }
            for slot in slots
            if row[f"Healthcare Provider Taxonomy Code_{slot}"]
        ],
    }


def normalise_exclusion(item: ExclusionItem) -> ExclusionRecord:
    """One LEIE row, keyed by a hash of its identifying fields so re-imports are idempotent."""
    row = {key: " ".join(str(value or "").split()) or None for key, value in item.row.items()}
    last, business = row.get("LASTNAME"), row.get("BUSNAME")
    if last is None and business is None:
        raise NormaliseError("missing_name", "an LEIE row with neither LASTNAME nor BUSNAME")
    npi = valid_npi(row.get("NPI"))
    birth = parse_date(row.get("DOB"))
    excluded_on = parse_date(row.get("EXCLDATE"))
    identity = [
        *(row.get(column) for column in ("LASTNAME", "FIRSTNAME", "MIDNAME", "BUSNAME")),
        npi,
        birth.isoformat() if birth else None,
        row.get("STATE"),
        row.get("EXCLTYPE"),
        excluded_on.isoformat() if excluded_on else None,
    ]
    return ExclusionRecord(
        source_name=item.source_name,
        record_key=hashlib.sha256(json.dumps(identity).encode()).hexdigest(),
        first_name=row.get("FIRSTNAME"),
        middle_name=row.get("MIDNAME"),
        last_name=last,
        last_key=fold_name(last) or None,
        business_name=business,
        general=row.get("GENERAL"),
        specialty=row.get("SPECIALTY"),
        npi=npi,
        state=state_code(row.get("STATE")),
        city=row.get("CITY"),
        postal_code=zip5(row.get("ZIP")),
        exclusion_type=row.get("EXCLTYPE"),
        excluded_on=excluded_on,
        reinstated_on=parse_date(row.get("REINDATE")),
        waiver_on=parse_date(row.get("WAIVERDATE")),
        source_url=item.source_url,
        retrieved_at=item.retrieved_at,
    )


def _field(fields: Mapping[str, str], name: LicenseField) -> str | None:
    """A licence row's field with whitespace collapsed; None when blank or absent."""
    return _value(fields.get(name))


def _value(value: object) -> str | None:
    """A published value with whitespace collapsed; None for blanks and NPPES's "--"."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return None if text in {"", "--"} else text


def _license_number(raw: str | None) -> str:
    """A licence number as printed, or `missing_license_number` / `bad_license_number`."""
    if raw is None:
        raise NormaliseError("missing_license_number", "the row has no licence number")
    if len(raw) > _LONGEST_LICENSE_NUMBER:
        raise NormaliseError("bad_license_number", repr(raw))
    return raw


def _lookup(mapping: Mapping[str, _Word], raw: str | None) -> _Word | None:
    """A source map's value for a publisher's word, compared upper-cased and space-collapsed."""
    if raw is None:
        return None
    key = raw.upper()
    for word, value in mapping.items():
        if " ".join(word.upper().split()) == key:
            return value
    return None


def _json_object(value: object, what: str) -> Mapping[str, Any]:
    """An object of an NPPES result (absent: empty); `malformed_record` for any other shape."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise NormaliseError("malformed_record", f"{what} is not an object: {value!r:.80}")
    return value


def _json_objects(value: object, what: str) -> list[Mapping[str, Any]]:
    """A list of objects of an NPPES result (absent: empty); `malformed_record` otherwise."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(entry, Mapping) for entry in value):
        raise NormaliseError("malformed_record", f"{what} is not a list of objects: {value!r:.80}")
    return value


def _location_address(addresses: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The practice-location address of an NPPES result (its mailing address may differ)."""
    for address in addresses:
        if address.get("address_purpose") == "LOCATION":
            return address
    return {}


def _npi_license(taxonomy: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """A taxonomy's licence number and state, or None for placeholders and DEA numbers."""
    number = _value(taxonomy.get("license"))
    state = state_code(_value(taxonomy.get("state")))
    if number is None or number.upper() in _NO_LICENSE or _looks_like_dea(number):
        return None, state
    if len(number) > _LONGEST_LICENSE_NUMBER:
        return None, state
    return number, state


def _looks_like_dea(number: str) -> bool:
    """Whether a "licence number" is really a DEA registration."""
    if _DEA_WORD.search(number):
        return True
    match = _DEA_NUMBER.fullmatch(number.upper().replace(" ", ""))
    if match is None:
        return False
    digits = [int(char) for char in match.group(1)]
    check = digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])
    return check % 10 == digits[6]


def _license_type(credential_types: frozenset[LicenseType], taxonomy_code: str) -> LicenseType:
    """A taxonomy's licence type: from the credential, else from the taxonomy code."""
    by_code = next(
        (kind for prefix, kind in _TAXONOMY_TYPES if taxonomy_code.startswith(prefix)), None
    )
    if by_code is LicenseType.MD and LicenseType.DO in credential_types:
        by_code = LicenseType.DO
    if by_code in credential_types or not credential_types:
        return by_code or LicenseType.OTHER
    # The credential wins over the taxonomy; of several, the first in vocabulary order.
    return min(credential_types, key=list(LicenseType).index)
