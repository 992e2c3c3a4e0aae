"""Licence records from state tables and NPPES; exclusions from the OIG LEIE."""

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.items import ExclusionItem, LicenseItem, NpiRecordItem
from directory.normalise import (
    NormaliseError,
    normalise_exclusion,
    normalise_license,
    normalise_npi_record,
)
from directory.normalise.licenses import normalise_npi_organisation
from directory.normalise.names import fold_name
from directory.normalise.npi import valid_npi
from directory.sources import Source, load_sources
from directory.vocab import LicenseField, LicenseStatus, LicenseType, SourceKind
from tests.directory.normalise.helpers import outcome

DATA = Path(__file__).parents[2] / "fixtures" / "reference"
RETRIEVED = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
CO_SOURCE = Source(
    name="co-dora",
    kind=SourceKind.LICENSE_TABLE,
    url="https://data.colorado.gov/resource/7s5z-vewr.json",
    format="soda",
    state="CO",
    status_map={
        "ACTIVE": LicenseStatus.ACTIVE,
        "EXPIRED": LicenseStatus.EXPIRED,
        "ACTIVE - PROBATION": LicenseStatus.PROBATION,
    },
    type_map={"DR": LicenseType.MD, "APN": LicenseType.NP},
)
CO_ROW = {
    "license_number": " DR.0012345 ",
    "license_type": "DR",
    "first_name": "JANE",
    "middle_name": "Q",
    "last_name": "DOE",
    "status": "Active",
    "issue_date": "2010-07-01T00:00:00.000",
    "expiration_date": "2027-04-30T00:00:00.000",
    "city": "DENVER",
    "state": "WY",
    "postal_code": "80203-1234",
    "npi": "1760485387",
}


def licence(fields, source=CO_SOURCE):
    """Normalise one licence row from the Colorado-shaped source."""
    item = LicenseItem(
        source_name=source.name,
        source_url="http://x/licences",
        retrieved_at=RETRIEVED,
        fields=fields,
    )
    return normalise_license(item, source)


def test_normalise_license_reads_a_socrata_row():
    record = licence(CO_ROW)
    assert record.license_number == "DR.0012345"
    assert (record.license_type, record.license_type_raw) == (LicenseType.MD, "DR")
    assert (record.status, record.status_raw) == (LicenseStatus.ACTIVE, "Active")
    assert (record.first_name, record.middle_name, record.last_name) == ("JANE", "Q", "DOE")
    assert (record.full_name, record.last_key) == ("JANE Q DOE", "doe")
    assert (record.issue_date, record.expiration_date) == (date(2010, 7, 1), date(2027, 4, 30))
    assert (record.city, record.postal_code, record.npi) == ("DENVER", "80203", "1760485387")
    assert (record.source_name, record.source_url, record.retrieved_at) == (
        "co-dora",
        "http://x/licences",
        RETRIEVED,
    )


def test_normalise_license_takes_the_state_from_the_source_not_the_mailing_address():
    assert licence(CO_ROW).state == "CO"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("ACTIVE", LicenseStatus.ACTIVE),
        ("  active ", LicenseStatus.ACTIVE),
        ("Active  -  Probation", LicenseStatus.PROBATION),
        ("Expired", LicenseStatus.EXPIRED),
        ("Active Pending Review", LicenseStatus.UNKNOWN),
        ("CURRENT (C)", LicenseStatus.UNKNOWN),
        ("", LicenseStatus.UNKNOWN),
    ],
)
def test_normalise_license_maps_status_words_and_never_guesses_active(raw, status):
    record = licence({**CO_ROW, "status": raw})
    assert record.status == status
    assert record.status_raw == (" ".join(raw.split()) or None)


def test_normalise_license_without_a_status_is_unknown():
    fields = {k: v for k, v in CO_ROW.items() if k != "status"}
    assert licence(fields).status == LicenseStatus.UNKNOWN


def test_normalise_license_keeps_an_unmapped_type_as_other_with_the_raw_words():
    record = licence({**CO_ROW, "license_type": "PDO"})
    assert (record.license_type, record.license_type_raw) == (LicenseType.OTHER, "PDO")


def test_normalise_license_uses_the_maps_of_a_loaded_sources_file(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(
        """
[[source]]
name = "tx-bon"
kind = "license_table"
format = "soda"
state = "tx"
url = "https://data.texas.gov/resource/jnzg-cr4w.json"
[source.columns]
license_number = "license_number"
last_name = "last_name"
[source.status_map]
"Current (C)" = "active"
"Vol.Surrender (V)" = "surrendered"
[source.type_map]
"Nurse Practitioner" = "NP"
""",
        encoding="utf-8",
    )
    (source,) = load_sources(path)
    row = {"license_number": "AP123", "last_name": "DOE", "license_type": "NURSE PRACTITIONER"}
    assert licence({**row, "status": "CURRENT (C)"}, source).status == LicenseStatus.ACTIVE
    assert licence({**row, "status": "VOL.SURRENDER (V)"}, source).status == (
        LicenseStatus.SURRENDERED
    )
    assert licence(row, source).license_type == LicenseType.NP
    assert licence(row, source).state == "TX"


@pytest.mark.parametrize(
    ("full_name", "first", "middle", "last"),
    [
        ("DOE, JANE Q", "JANE", "Q", "DOE"),
        ("JANE Q DOE", "JANE", "Q", "DOE"),
        ("Jane Doe", "Jane", None, "Doe"),
    ],
)
def test_normalise_license_splits_a_full_name_column(full_name, first, middle, last):
    record = licence({"license_number": "1", "full_name": full_name})
    assert (record.first_name, record.middle_name, record.last_name) == (first, middle, last)
    assert record.full_name == full_name


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({**CO_ROW, "license_number": "  "}, "missing_license_number"),
        ({k: v for k, v in CO_ROW.items() if k != "license_number"}, "missing_license_number"),
        ({**CO_ROW, "license_number": "X" * 41}, "bad_license_number"),
        ({**CO_ROW, "last_name": ""}, "missing_name"),
        ({"license_number": "1", "full_name": "MD"}, "missing_name"),
        ({**CO_ROW, "expiration_date": "sometime in 2027"}, "bad_date"),
    ],
)
def test_normalise_license_refuses_rows_it_cannot_use(fields, reason):
    with pytest.raises(NormaliseError) as caught:
        licence(fields)
    assert caught.value.reason == reason


def test_normalise_license_keeps_the_boards_specialty():
    assert licence({**CO_ROW, "specialty": " Psychiatry "}).specialty == "Psychiatry"
    assert licence(CO_ROW).specialty is None


@pytest.mark.parametrize(
    ("fields", "suffix"),
    [
        ({**CO_ROW, "last_name": "DOE JR"}, "JR"),
        ({**CO_ROW, "name_suffix": "Sr."}, "SR"),
        ({"license_number": "1", "full_name": "DOE, JANE III"}, "III"),
        (CO_ROW, None),
    ],
)
def test_normalise_license_reads_a_generational_suffix(fields, suffix):
    assert licence(fields).suffix == suffix


def test_normalise_license_drops_an_invalid_npi():
    assert licence({**CO_ROW, "npi": "1760485388"}).npi is None


def test_normalise_license_needs_the_source_state():
    source = Source(name="x", kind=SourceKind.LICENSE_TABLE)
    with pytest.raises(NormaliseError) as caught:
        licence(CO_ROW, source)
    assert caught.value.reason == "missing_state"


_field_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["Active", "EXPIRED", "--", "", "00000000", "20270831", "80203", "DR"]),
)


@given(st.dictionaries(st.sampled_from([f.value for f in LicenseField]), _field_values))
def test_normalise_license_stays_in_its_vocabularies(fields):
    record = outcome(licence, fields)
    if isinstance(record, str):
        assert record in {
            "missing_license_number",
            "bad_license_number",
            "missing_name",
            "bad_date",
        }
        return
    assert record.state == "CO"
    assert record.status in LicenseStatus
    assert record.license_type in LicenseType
    if " ".join((fields.get("status") or "").split()).upper() not in CO_SOURCE.status_map:
        assert record.status == LicenseStatus.UNKNOWN
    assert record.postal_code is None or (
        len(record.postal_code) == 5 and record.postal_code.isdigit()
    )
    assert record.npi is None or valid_npi(record.npi) == record.npi
    assert record.license_number.strip()
    assert len(record.license_number) <= 40
    assert record.last_name.strip()
    assert record.last_key == fold_name(record.last_name)


def nppes(result):
    """Normalise one NPPES API result."""
    return normalise_npi_record(
        NpiRecordItem(
            source_name="nppes", source_url="http://x/api", retrieved_at=RETRIEVED, record=result
        )
    )


def nppes_results(name):
    """The results of a saved NPPES API response."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))["results"]


def test_normalise_npi_record_reads_a_current_response():
    (result,) = nppes_results("api21_npi1_individual_md_two_taxonomies.json")
    # Both taxonomies name the same Minnesota licence: one licence, described by the primary.
    (record,) = nppes(result)
    assert (record.state, record.license_number) == ("MN", "43634")
    assert (record.license_type, record.license_type_raw) == (LicenseType.MD, "Internal Medicine")
    assert record.specialty == "207R00000X"  # the taxonomy code, as the NPPES file gives it
    assert (record.status, record.status_raw) == (LicenseStatus.UNKNOWN, None)
    assert record.npi == "1760485387"
    assert (record.first_name, record.middle_name, record.last_name) == ("PAUL", "R.", "DEWEY")
    assert record.last_key == "dewey"
    assert record.full_name == "PAUL R. DEWEY"  # the "--" suffix placeholder is dropped
    assert (record.city, record.postal_code) == ("MOOSE LAKE", "55767")
    assert (record.issue_date, record.expiration_date) == (None, None)
    assert (record.source_name, record.source_url, record.retrieved_at) == (
        "nppes",
        "http://x/api",
        RETRIEVED,
    )


def test_normalise_npi_organisation_reads_an_organisation_and_skips_individuals():
    def organisation(record):
        return normalise_npi_organisation(
            NpiRecordItem(
                source_name="nppes",
                source_url="http://x/api",
                retrieved_at=RETRIEVED,
                record=record,
            )
        )

    (result,) = nppes_results("api21_npi2_org_multispecialty_group.json")
    found = organisation(result)
    assert found is not None
    assert (found.npi, found.name) == ("1174270805", "PEACH STATE MEDICAL PRACTICE, PC")
    assert (found.taxonomy_code, found.city) == ("207VE0102X", "PHILADELPHIA")
    (person,) = nppes_results("api21_npi1_individual_md_two_taxonomies.json")
    assert organisation(person) is None
    with pytest.raises(NormaliseError) as caught:
        organisation({**result, "basic": {}})
    assert caught.value.reason == "missing_name"


def test_only_clinics_and_groups_are_kept_among_organisations():
    def kept(name):
        return {
            str(result["number"]): found.name
            for result in nppes_results(name)
            if (found := npi_organisation(result)) is not None
        }

    # Groups named by their taxonomies' group, in the 2019 wording; a dental practice and a
    # home-health agency are organisations of other kinds.
    assert set(kept("legacy2019_search_10_orgs.json").values()) == {
        "CSP ANESTHESIA LLC",
        "IVO HORAK OD PC",
        "MICHAEL D. RANDELL, M.D., P.C.",
        "ATHLETIC SPINE REHABILITATION, LLC",
        "WINSTON KYLE CARHEE JR",
        "QUARELLS CONSULTING, P.C.",
        "NORTHEAST ATLANTA VASCULAR CARE, LLC",
        "PREFERRED VASCULAR SERVICES NORTHWEST, LLC",
    }
    # The current wording ("193400000X - Multiple Single Specialty Group"), and a hospital.
    assert kept("api21_npi2_org_authorized_official.json") == {
        "1225701881": "VIOS FERTILITY INSTITUTE MICHIGAN PLLC"
    }
    assert kept("api21_npi2_org_hospital_2026-08_capture.json") == {}
    clinic = {
        "enumeration_type": "NPI-2",
        "number": "1558000349",
        "basic": {"organization_name": "CALM WATERS KETAMINE CLINIC PLLC"},
        "taxonomies": [{"code": "261QM0801X", "taxonomy_group": "", "primary": True}],
    }
    assert npi_organisation(clinic) is not None  # a mental-health clinic by its own code


def npi_organisation(record):
    return normalise_npi_organisation(
        NpiRecordItem(
            source_name="nppes", source_url="http://x/api", retrieved_at=RETRIEVED, record=record
        )
    )


def test_normalise_npi_record_reads_a_2019_response():
    (result,) = nppes_results("legacy2019_npi1_individual_md.json")
    (record,) = nppes(result)  # the student taxonomy has no licence
    assert record.npi == "1720377294"  # an integer in 2019
    assert (record.state, record.license_number, record.license_type) == (
        "NC",
        "2017-01132",
        LicenseType.MD,
    )
    assert (record.city, record.postal_code) == ("ASHEVILLE", "28801")  # from 288014811


def test_normalise_npi_record_gives_nothing_for_organisations():
    (result,) = nppes_results("api21_npi2_org_multispecialty_group.json")
    assert nppes(result) == ()


def test_normalise_npi_record_reads_every_result_of_a_real_page():
    records = [record for result in nppes_results("api21_search_limit200_npi1_2026.json")
               for record in nppes(result)]  # fmt: skip
    assert len(records) > 100
    assert all(record.status == LicenseStatus.UNKNOWN for record in records)
    assert all(len(record.state) == 2 for record in records)
    assert {LicenseType.NP, LicenseType.MD, LicenseType.PA, LicenseType.CRNA} <= {
        record.license_type for record in records
    }


def _individual(credential, taxonomies):
    return {
        "number": "1760485387",
        "enumeration_type": "NPI-1",
        "basic": {"first_name": "JANE", "last_name": "DOE", "credential": credential},
        "addresses": [],
        "taxonomies": taxonomies,
    }


@pytest.mark.parametrize(
    ("credential", "code", "license_type"),
    [
        ("M.D.", "2084P0800X", LicenseType.MD),
        ("D.O.", "2084P0800X", LicenseType.DO),
        (None, "2084P0800X", LicenseType.MD),
        ("PMHNP-BC", "2084P0800X", LicenseType.NP),
        (None, "363LP0808X", LicenseType.NP),
        (None, "363A00000X", LicenseType.PA),
        (None, "367500000X", LicenseType.CRNA),
        ("RN, CPNP", "363LP0200X", LicenseType.NP),
        ("--", "111N00000X", LicenseType.OTHER),
    ],
)
def test_normalise_npi_record_types_licences_by_credential_then_taxonomy(
    credential, code, license_type
):
    taxonomy = {"code": code, "desc": "x", "state": "TX", "license": "Q1234", "primary": True}
    (record,) = nppes(_individual(credential, [taxonomy]))
    assert record.license_type == license_type


@pytest.mark.parametrize(
    "license_number", [None, "", "NA", "n/a", "--", "AB1234563", "DEA# BX4111111", " "]
)
def test_normalise_npi_record_skips_placeholder_and_dea_numbers(license_number):
    taxonomy = {"code": "207Q00000X", "state": "TX", "license": license_number, "primary": True}
    assert nppes(_individual("MD", [taxonomy])) == ()


def test_normalise_npi_record_skips_a_licence_without_a_state():
    taxonomy = {"code": "207Q00000X", "state": "", "license": "Q1234", "primary": True}
    assert nppes(_individual("MD", [taxonomy])) == ()


def test_normalise_npi_record_keeps_a_licence_number_that_only_resembles_a_dea_number():
    taxonomy = {"code": "207Q00000X", "state": "WA", "license": "MD1234567", "primary": True}
    (record,) = nppes(_individual("MD", [taxonomy]))
    assert record.license_number == "MD1234567"


_texts = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["--", "NA", "TX", "MN"]))
_taxonomy = st.fixed_dictionaries(
    {"code": _texts, "desc": _texts, "state": _texts, "license": _texts, "primary": st.booleans()}
)
_result = st.fixed_dictionaries(
    {
        "number": st.one_of(st.integers(), st.text(max_size=12), st.just("1760485387")),
        "enumeration_type": st.sampled_from(["NPI-1", "NPI-2"]),
        "basic": st.fixed_dictionaries(
            {"first_name": _texts, "last_name": _texts, "credential": _texts, "sex": _texts}
        ),
        "addresses": st.lists(
            st.fixed_dictionaries(
                {
                    "address_purpose": st.sampled_from(["LOCATION", "MAILING"]),
                    "city": _texts,
                    "postal_code": st.one_of(_texts, st.just("191023824")),
                }
            ),
            max_size=2,
        ),
        "taxonomies": st.lists(_taxonomy, max_size=3),
    }
)


@given(_result)
def test_normalise_npi_record_stays_in_its_vocabularies(result):
    records = outcome(nppes, result)
    if isinstance(records, str):
        assert records == "missing_name"
        return
    for record in records:
        assert record.status == LicenseStatus.UNKNOWN
        assert len(record.state) == 2
        assert record.state.isupper()
        assert record.license_type in LicenseType
        assert record.license_number.strip()
        assert record.npi is None or valid_npi(record.npi) == record.npi
        assert record.postal_code is None or len(record.postal_code) == 5
    assert len({(r.state, r.license_number, r.license_type) for r in records}) == len(records)


def leie_rows(name):
    """The rows of a saved LEIE file."""
    with (DATA / name).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def exclusion(row):
    """Normalise one LEIE row."""
    return normalise_exclusion(
        ExclusionItem(
            source_name="oig-leie", source_url="http://x/leie", retrieved_at=RETRIEVED, row=row
        )
    )


def test_normalise_exclusion_reads_a_business_row():
    record = exclusion(leie_rows("UPDATED_sample.csv")[2])
    assert record.business_name == "101 FIRST CARE PHARMACY INC"
    assert (record.first_name, record.last_name, record.last_key) == (None, None, None)
    assert record.npi == "1972902351"
    assert (record.general, record.specialty) == ("OTHER BUSINESS", "PHARMACY")
    assert (record.state, record.city, record.postal_code) == ("NY", "NEW YORK", "10040")
    assert (record.exclusion_type, record.excluded_on) == ("1128b8", date(2022, 3, 20))
    assert (record.reinstated_on, record.waiver_on) == (None, None)  # 00000000


def test_normalise_exclusion_reads_the_supplement_dialect():
    (row,) = leie_rows("monthly_supplement_1610EXCL_sample.csv")
    record = exclusion(row)
    assert (record.first_name, record.middle_name, record.last_name) == ("JEFFREY", "R", "SHOPE")
    assert record.last_key == "shope"
    assert record.npi == "1134286958"
    assert record.specialty == "CHIROPRACTIC"
    assert record.excluded_on == date(2016, 11, 20)


def test_normalise_exclusion_reads_the_sentinel_npi_as_none():
    assert exclusion(leie_rows("UPDATED_sample.csv")[0]).npi is None  # 0000000000


def test_normalise_exclusion_keys_are_stable_and_distinct():
    rows = leie_rows("UPDATED_sample.csv")
    keys = [exclusion(row).record_key for row in rows]
    assert len(set(keys)) == len(rows)
    assert all(len(key) == 64 and int(key, 16) >= 0 for key in keys)
    assert [exclusion(row).record_key for row in leie_rows("UPDATED_sample.csv")] == keys


def test_normalise_exclusion_key_ignores_quoting_and_padding():
    (row,) = leie_rows("monthly_supplement_1610EXCL_sample.csv")
    padded = {column: f" {value or ''} " for column, value in row.items()}
    assert exclusion(padded).record_key == exclusion(row).record_key


def test_normalise_exclusion_needs_a_name():
    row = dict.fromkeys(leie_rows("UPDATED_sample.csv")[0], "")
    with pytest.raises(NormaliseError) as caught:
        exclusion(row)
    assert caught.value.reason == "missing_name"


_LEIE_COLUMNS = list(leie_rows("UPDATED_sample.csv")[0])
_leie_values = st.one_of(
    st.text(max_size=15), st.sampled_from(["", "0000000000", "00000000", "20240115", "NY"])
)


@given(st.fixed_dictionaries(dict.fromkeys(_LEIE_COLUMNS, _leie_values)))
def test_normalise_exclusion_stays_in_its_vocabularies(row):
    record = outcome(exclusion, row)
    if isinstance(record, str):
        assert record in {"missing_name", "bad_date"}
        return
    assert record.last_name or record.business_name
    assert record.state is None or (len(record.state) == 2 and record.state.isupper())
    assert record.npi is None or valid_npi(record.npi) == record.npi
    assert record.postal_code is None or len(record.postal_code) == 5
    assert record.record_key == exclusion(row).record_key
