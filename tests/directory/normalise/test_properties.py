"""Hostile input for the normalisers: whatever a source prints, the result stays in our vocabulary.

Each normaliser either returns a record whose fields are in our vocabularies or raises
`NormaliseError` with a reason slug; no other exception escapes, and no status word that the
source's map does not name ever becomes `active`.
"""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TypeVar

from hypothesis import given
from hypothesis import strategies as st

from directory.items import ExclusionItem, LicenseItem, NpiRecordItem
from directory.normalise import (
    NormaliseError,
    normalise_exclusion,
    normalise_license,
    normalise_npi_record,
)
from directory.normalise.dates import parse_date
from directory.normalise.services import classify_services
from directory.sources import Source
from directory.vocab import (
    Condition,
    LicenseField,
    LicenseStatus,
    LicenseType,
    Modality,
    SourceKind,
)

T = TypeVar("T")
RETRIEVED = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
REASON = re.compile(r"[a-z]+(_[a-z]+)*")
STATUS_MAP = {"ACTIVE": LicenseStatus.ACTIVE, "Lapsed": LicenseStatus.EXPIRED}
SOURCE = Source(
    name="tx-board",
    kind=SourceKind.LICENSE_TABLE,
    url="http://127.0.0.1/",
    format="soda",
    state="TX",
    status_map=STATUS_MAP,
    type_map={"Physician": LicenseType.MD},
)

# Printed text: anything, but weighted towards what tables really print.
printed = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["ACTIVE", " active ", "Lapsed", "--", "N/A", "", "12/31/2026", "Physician"]),
    st.from_regex(r"\d{1,2}/\d{1,2}/\d{4}|\d{8}|\d{4}-\d{2}-\d{2}", fullmatch=True),
)
license_fields = st.dictionaries(st.sampled_from(list(LicenseField)), printed, max_size=13)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
npi_records = st.fixed_dictionaries(
    {},
    optional={
        "number": st.one_of(st.integers(), st.text(max_size=12)),
        "enumeration_type": st.sampled_from(["NPI-1", "NPI-2", ""]),
        "basic": st.dictionaries(st.text(max_size=20), json_values, max_size=6) | json_values,
        "taxonomies": st.lists(st.dictionaries(st.text(max_size=12), json_values)) | json_values,
        "addresses": st.lists(st.dictionaries(st.text(max_size=12), json_values)) | json_values,
    },
)
leie_columns = ["LASTNAME", "FIRSTNAME", "MIDNAME", "BUSNAME", "NPI", "DOB", "STATE", "ZIP"]
leie_rows = st.dictionaries(
    st.sampled_from([*leie_columns, "EXCLTYPE", "EXCLDATE", "REINDATE", "WAIVERDATE"]), printed
)


def refused_or(normalise: Callable[[], T]) -> tuple[T | None, str | None]:
    """The normaliser's result, or the reason slug it refused the input with."""
    try:
        return normalise(), None
    except NormaliseError as error:
        reason = error.reason
    assert REASON.fullmatch(reason)
    return None, reason


@given(st.one_of(st.none(), printed))
def test_parse_date_gives_a_date_none_or_a_bad_date_error(raw: str | None) -> None:
    parsed, reason = refused_or(lambda: parse_date(raw))
    assert reason in {None, "bad_date"}
    assert parsed is None or isinstance(parsed, date)


@given(license_fields)
def test_normalise_license_stays_in_vocabulary_and_never_invents_active(
    fields: dict[str, str],
) -> None:
    item = LicenseItem(
        fields=fields, source_name="tx-board", source_url="http://x/", retrieved_at=RETRIEVED
    )
    record, _ = refused_or(lambda: normalise_license(item, SOURCE))
    if record is None:
        return
    assert record.status in set(LicenseStatus)
    assert record.license_type in set(LicenseType)
    assert record.state == "TX"
    if record.status is LicenseStatus.ACTIVE:
        assert " ".join((record.status_raw or "").split()).upper() == "ACTIVE"
    assert record.last_name


@given(npi_records)
def test_normalise_npi_record_never_raises_anything_but_a_normalise_error(record: dict) -> None:
    item = NpiRecordItem(
        record=record, source_name="nppes", source_url="http://x/", retrieved_at=RETRIEVED
    )
    licenses, _ = refused_or(lambda: normalise_npi_record(item))
    for license in licenses or ():
        assert license.license_type in set(LicenseType)
        assert license.status is not LicenseStatus.ACTIVE  # self-reported numbers prove nothing


@given(leie_rows)
def test_normalise_exclusion_keeps_a_name_and_a_stable_key(row: dict[str, str]) -> None:
    item = ExclusionItem(row=row, source_name="oig", source_url="http://x/", retrieved_at=RETRIEVED)
    record, _ = refused_or(lambda: normalise_exclusion(item))
    if record is None:
        return
    assert record.last_name or record.business_name
    assert len(record.record_key) == 64
    assert normalise_exclusion(item).record_key == record.record_key


@given(st.lists(st.text(max_size=200), max_size=5))
def test_classify_services_stays_in_the_vocabulary(texts: list[str]) -> None:
    modalities, conditions = classify_services(texts)
    assert modalities <= set(Modality)
    assert conditions <= set(Condition)
