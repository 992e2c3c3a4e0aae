"""The sources file: valid entries load; every mistake names the file, the entry and the key."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from directory.items import LicenseItem
from directory.normalise.licenses import normalise_license
from directory.sources import DEFAULT_SCHEDULES, SourcesError, load_sources
from directory.vocab import LicenseStatus, LicenseType, SourceKind

VALID = """
[[source]]
name = "sites"
kind = "clinic_sites"
urls = ["https://a.example/", "https://b.example/"]
urls_file = "more_urls.txt"

[[source]]
name = "tx"
kind = "license_table"
url = "https://data.example/resource/abcd-1234.json"
format = "soda"
state = "tx"
[source.columns]
license_number = "lic_no"
last_name = "surname"
status = "state_of_licence"
[source.status_map]
"Lapsed" = "expired"
[source.type_map]
"Physician" = "MD"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_sources_reads_urls_files_and_upper_cases_publisher_words(tmp_path):
    (tmp_path / "more_urls.txt").write_text("# comment\nhttps://c.example/\n\nhttps://a.example/\n")
    sites, table = load_sources(write(tmp_path, VALID))
    assert sites.kind is SourceKind.CLINIC_SITES
    assert sites.urls == ("https://a.example/", "https://b.example/", "https://c.example/")
    assert table.state == "TX"
    assert table.columns["license_number"] == "lic_no"
    assert table.status_map == {"LAPSED": LicenseStatus.EXPIRED}
    assert table.type_map == {"PHYSICIAN": LicenseType.MD}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[source]]\nkind = 'leie_csv'\nurl = 'https://x/'", r"entry #1, key 'name'"),
        ("[[source]]\nname = 'x'\nkind = 'ftp'", r"entry #1 \('x'\), key 'kind'"),
        ("[[source]]\nname = 'x'\nkind = 'leie_csv'", r"key 'url': a leie_csv source needs it"),
        ("[[source]]\nname = 'x'\nkind = 'leie_csv'\nurl = 'ftp://x'", r"key 'url'"),
        ("[[source]]\nname = 'x'\nkind = 'leie_csv'\nurl = 'https://x/'\nurls = []", r"'urls'"),
        ("[[source]]\nname = 'x'\nkind = 'clinic_sites'", r"key 'urls'"),
        ("[[source]]\nname = 'x'\nkind = 'clinic_sites'\nurls_file = 'no.txt'", r"'urls_file'"),
        ("[[source]]\nname = 'x'\nkind = 'clinic_sites'\nurls = ['x']", r"not an http"),
        (
            "[[source]]\nname = 'x'\nkind = 'clinic_sites'\nurls = ['https://x/']\npage_budget = 0",
            r"'page_budget'",
        ),
        (
            "[[source]]\nname = 'x'\nkind = 'nppes_organizations'\nurl = 'https://x/'",
            r"key 'states': a nppes_organizations source needs it",
        ),
        (
            "[[source]]\nname = 'x'\nkind = 'nppes_organizations'\nurl = 'https://x/'\n"
            "states = ['Texas']",
            r"key 'states': 'Texas' is not a two-letter state code",
        ),
        (
            "[[source]]\nname = 'x'\nkind = 'nppes_organizations'\nurl = 'https://x/'\n"
            "states = ['TX']\nnames = 'ketamine*'",
            r"key 'names': must be a list",
        ),
        ("[[sauce]]\nname = 'x'", r"key 'sauce'"),
        ("", r"declares no \[\[source\]\] entries"),
        ("[[source]\nname=", r"is not valid TOML"),
        (
            "[[source]]\nname = 'x'\nkind = 'nppes_api'\nurl = 'https://x/'\n"
            "[[source]]\nname = 'x'\nkind = 'nppes_api'\nurl = 'https://y/'",
            r"more than one entry",
        ),
    ],
)
def test_load_sources_names_the_entry_and_key_of_each_mistake(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(SourcesError, match=expected) as raised:
        load_sources(path)
    assert str(raised.value).startswith(str(path))


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("[source.columns]\nlast_name = 'n'\nstatus = 's'", r"key 'columns.license_number'"),
        ("[source.columns]\nlicense_number = 'l'\nstatus = 's'", r"key 'columns.last_name'"),
        (
            "[source.columns]\nlicense_number = 'l'\nlast_name = 'n'\nshoe_size = 'z'",
            r"'columns.shoe_size'",
        ),
        (
            "[source.columns]\nlicense_number = 'l'\nlast_name = 'n'\n"
            "[source.status_map]\n'A' = 'fine'",
            r"'status_map.A'",
        ),
    ],
)
def test_license_table_mappings_are_checked(tmp_path, table, expected):
    head = (
        "[[source]]\nname = 't'\nkind = 'license_table'\nurl = 'https://x/'\nformat = 'csv'\n"
        "state = 'CO'\n[source.status_map]\n'ACTIVE' = 'active'\n"
    )
    if "[source.status_map]" in table:
        head = head.replace("[source.status_map]\n'ACTIVE' = 'active'\n", "")
    with pytest.raises(SourcesError, match=expected):
        load_sources(write(tmp_path, head + table))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SourcesError, match="file not found"):
        load_sources(tmp_path / "nope.toml")


def test_example_sources_file_is_valid():
    sources = load_sources(Path(__file__).parents[2] / "sources.example.toml")
    assert {source.kind for source in sources} >= {SourceKind.NPPES_API, SourceKind.LEIE_CSV}


def test_each_kind_has_a_default_schedule_and_an_entry_may_set_its_own(tmp_path):
    (tmp_path / "more_urls.txt").write_text("")
    text = VALID.replace('urls_file = "more_urls.txt"', 'schedule = "15 6 * * mon-fri"')
    sites, table = load_sources(write(tmp_path, text))
    assert sites.schedule == "15 6 * * mon-fri"
    assert table.schedule == DEFAULT_SCHEDULES[SourceKind.LICENSE_TABLE] == "0 3 * * *"
    assert DEFAULT_SCHEDULES[SourceKind.NPPES_API] == "0 4 1 * *"  # monthly
    assert DEFAULT_SCHEDULES[SourceKind.CLINIC_SITES].endswith("* * 1")  # weekly


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("'daily'", r"key 'schedule': is not a cron expression \(Wrong number of fields"),
        ("'61 * * * *'", r"key 'schedule': is not a cron expression .*maximum value \(59\)"),
        ("3", r"key 'schedule': must be a non-empty string"),
    ],
)
def test_a_bad_schedule_names_file_entry_and_key(tmp_path, schedule, expected):
    text = f"[[source]]\nname = 'oig'\nkind = 'leie_csv'\nurl = 'https://x/'\nschedule = {schedule}"
    path = write(tmp_path, text)
    where = rf"^{re.escape(str(path))}, entry #1 \('oig'\), "
    with pytest.raises(SourcesError, match=where + expected):
        load_sources(path)


@pytest.mark.parametrize(
    ("credential", "license_type"),
    [
        ("Physician/Surgeon", LicenseType.MD),
        ("PHYSICIAN / SURGEON", LicenseType.MD),
        ("Advanced Practice Registered Nurse", LicenseType.NP),
        ("Physician Assistant", LicenseType.PA),
        ("Registered Nurse", LicenseType.RN),
        ("Professional Counselor", LicenseType.LPC),
        ("CONTROLLED SUBSTANCE REGISTRATION FOR PRACTITIONER", LicenseType.OTHER),
    ],
)
def test_example_connecticut_entry_maps_a_row_of_its_dataset(credential, license_type):
    sources = load_sources(Path(__file__).parents[2] / "sources.example.toml")
    (ct,) = [source for source in sources if source.state == "CT"]
    row = {  # a row of data.ct.gov's ngch-56tr, in its own columns
        "credentialid": "1234567",
        "name": "JANE Q DOE",
        "type": "INDIVIDUAL",
        "fullcredentialcode": "051234",
        "credentialtype": "1",
        "credentialnumber": "51234",
        "credential": credential,
        "status": "ACTIVE",
        "issuedate": "2011-07-01T00:00:00.000",
        "expirationdate": "2027-03-31T00:00:00.000",
        "city": "HARTFORD",
        "zip": "06106",
    }
    fields = {ours: row[theirs] for ours, theirs in ct.columns.items()}
    item = LicenseItem(
        source_name=ct.name,
        source_url=ct.url,
        retrieved_at=datetime(2026, 11, 24, tzinfo=UTC),
        fields=fields,
    )
    record = normalise_license(item, ct)
    assert (record.state, record.license_type, record.status) == (
        "CT",
        license_type,
        LicenseStatus.ACTIVE,
    )
    assert (record.first_name, record.middle_name, record.last_name) == ("JANE", "Q", "DOE")
    assert (record.license_number, record.expiration_date) == ("51234", date(2027, 3, 31))
