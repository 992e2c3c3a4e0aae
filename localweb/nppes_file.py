"""A seeded NPPES dissemination file (`npidata_pfile`) in the real format, for tests and benchmarks.

The header is CMS's own 330 columns (`data/nppes/npidata_pfile_FileHeader.csv`); every value is
double-quoted, empty values are `""`, dates are MM/DD/YYYY. The mix is roughly the real file's:
about one row in eight an organisation, a few deactivated NPIs (only the number and the date
left), and individuals of many professions with one to three taxonomies, of whom about a third
are physicians, nurse practitioners, physician assistants or nurse anesthetists.
"""

import csv
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from localweb.fillers import _pools
from localweb.paths import DATA_DIR

HEADER_FILE = DATA_DIR / "nppes" / "npidata_pfile_FileHeader.csv"
# NUCC code, credential as typed, share of individuals
_PROFESSIONS = (
    ("207Q00000X", "M.D.", 8),
    ("207R00000X", "MD", 8),
    ("2084P0800X", "MD", 3),
    ("207L00000X", "M.D.", 3),
    ("207P00000X", "DO", 3),
    ("363LF0000X", "FNP-BC", 5),
    ("363LP0808X", "PMHNP-BC", 2),
    ("363A00000X", "PA-C", 3),
    ("367500000X", "CRNA", 1),
    ("163W00000X", "RN", 14),
    ("1223G0001X", "DDS", 10),
    ("225100000X", "PT, DPT", 9),
    ("183500000X", "PHARMD", 9),
    ("101YM0800X", "LPC", 7),
    ("1041C0700X", "LCSW", 6),
    ("111N00000X", "D.C.", 5),
    ("152W00000X", "O.D.", 4),
)
_ORGANISATION_TAXONOMIES = ("261QM0801X", "193200000X", "261QP2300X", "332B00000X", "282N00000X")
_STATES = ("TX", "CA", "NY", "FL", "CO", "WA", "IL", "PA", "OH", "GA")


def header() -> list[str]:
    """The 330 column names of the monthly file, as CMS publishes them."""
    with HEADER_FILE.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def write_npidata(path: Path, rows: int, seed: int = 9000) -> Path:
    """Write a file of `rows` NPIs after the header; the same file for the same seed."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    columns = header()
    index = {name: position for position, name in enumerate(columns)}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(columns)
        for serial in range(rows):
            row = [""] * len(columns)
            for name, value in _npi_row(rng, serial).items():
                row[index[name]] = value
            writer.writerow(row)
    return path


def write_registry_records(path: Path, records: list[dict[str, Any]]) -> Path:
    """Write NPI registry API results as the dissemination file's rows: the same NPIs, names,
    practice locations and taxonomies, as CMS's monthly file carries them."""
    columns = header()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            values = registry_row(record)
            writer.writerow([values.get(name, "") for name in columns])
    return path


def registry_row(record: dict[str, Any]) -> dict[str, str]:
    """The non-empty values of the file's row for one API result."""
    basic = record["basic"]
    location = next(a for a in record["addresses"] if a["address_purpose"] == "LOCATION")
    practice = "Provider Business Practice Location Address"
    values = {
        "NPI": str(record["number"]),
        "Entity Type Code": "1" if record["enumeration_type"] == "NPI-1" else "2",
        "Provider Organization Name (Legal Business Name)": basic.get("organization_name", ""),
        "Provider Last Name (Legal Name)": basic.get("last_name", ""),
        "Provider First Name": basic.get("first_name", ""),
        "Provider Middle Name": basic.get("middle_name", ""),
        "Provider Credential Text": basic.get("credential", ""),
        "Provider First Line Business Practice Location Address": location["address_1"],
        f"{practice} City Name": location["city"],
        f"{practice} State Name": location["state"],
        f"{practice} Postal Code": location["postal_code"],
    }
    for slot, taxonomy in enumerate(record["taxonomies"], start=1):
        values |= {
            f"Healthcare Provider Taxonomy Code_{slot}": taxonomy["code"],
            f"Provider License Number_{slot}": taxonomy.get("license") or "",
            f"Provider License Number State Code_{slot}": taxonomy.get("state") or "",
            f"Healthcare Provider Primary Taxonomy Switch_{slot}": (
                "Y" if taxonomy.get("primary") else "N"
            ),
            # The group is written code first, as both API variants give it; we found no
            # capture of the file's own wording, so the 2019 API's ("193200000X MULTI-...").
            f"Healthcare Provider Taxonomy Group_{slot}": _file_group(taxonomy),
        }
    return {name: value for name, value in values.items() if value}


def _file_group(taxonomy: dict[str, Any]) -> str:
    """A taxonomy's group as the file prints it."""
    code, _, name = (taxonomy.get("taxonomy_group") or "").partition(" - ")
    return f"{code} {name.upper()}".strip() if name else code


def npi_for(serial: int) -> str:
    """The `serial`-th NPI of the file: nine digits and a Luhn check digit (prefix 80840)."""
    base = f"1{serial:08d}"
    digits = [int(char) for char in "80840" + base]
    total = 0
    for position, value in enumerate(reversed(digits)):
        doubled = value * 2 if position % 2 == 0 else value
        total += doubled - 9 if doubled > 9 else doubled
    return base + str((10 - total % 10) % 10)


def _npi_row(rng: random.Random, serial: int) -> dict[str, str]:
    """The non-empty values of one row."""
    npi = npi_for(serial)
    if rng.random() < 0.03:
        return {"NPI": npi, "NPI Deactivation Date": _day(rng, date(2010, 1, 1), 5000)}
    enumerated = _day(rng, date(2005, 5, 23), 7000)
    common = {
        "NPI": npi,
        "Provider Enumeration Date": enumerated,
        "Last Update Date": enumerated,
        **_addresses(rng),
    }
    if rng.random() < 0.12:
        return {**common, **_organisation(rng)}
    return {**common, **_individual(rng)}


def _individual(rng: random.Random) -> dict[str, Any]:
    """A person: names, credential, sex and one to three taxonomies with licences."""
    pools = _pools()
    sex = rng.choice("FM")
    code, credential, _ = rng.choices(_PROFESSIONS, [p[2] for p in _PROFESSIONS])[0]
    values = {
        "Entity Type Code": "1",
        "Provider Last Name (Legal Name)": rng.choice(pools["last_names"]).upper(),
        "Provider First Name": rng.choice(pools["first_names"][sex]).upper(),
        "Provider Middle Name": rng.choice(["", "", "A", "J", "MARIE", "LEE"]),
        "Provider Name Suffix Text": rng.choice(["", "", "", "", "", "", "JR.", "III"]),
        "Provider Credential Text": credential,
        "Provider Sex Code": sex,
        "Is Sole Proprietor": rng.choice(["N", "N", "Y", "X"]),
    }
    states = rng.sample(_STATES, rng.choice([1, 1, 1, 2, 3]))
    for slot, state in enumerate(states, start=1):
        values |= {
            f"Healthcare Provider Taxonomy Code_{slot}": code,
            f"Provider License Number_{slot}": f"{rng.choice('ABDGKMNPQRS')}{rng.randrange(10**6)}",
            f"Provider License Number State Code_{slot}": state,
            f"Healthcare Provider Primary Taxonomy Switch_{slot}": "Y" if slot == 1 else "N",
        }
    return values


def _organisation(rng: random.Random) -> dict[str, str]:
    """An organisation: a legal name, an authorised official, a taxonomy without a licence."""
    pools = _pools()
    return {
        "Entity Type Code": "2",
        "Employer Identification Number (EIN)": "<UNAVAIL>",
        "Provider Organization Name (Legal Business Name)": (
            f"{rng.choice(pools['last_names'])} {rng.choice(['CLINIC', 'HEALTH', 'GROUP'])} LLC"
        ).upper(),
        "Authorized Official Last Name": rng.choice(pools["last_names"]).upper(),
        "Authorized Official First Name": rng.choice(pools["first_names"]["F"]).upper(),
        "Authorized Official Title or Position": "OWNER",
        "Healthcare Provider Taxonomy Code_1": rng.choice(_ORGANISATION_TAXONOMIES),
        "Healthcare Provider Primary Taxonomy Switch_1": "Y",
        "Is Organization Subpart": "N",
    }


def _addresses(rng: random.Random) -> dict[str, str]:
    """The mailing and practice-location addresses (usually the same)."""
    pools = _pools()
    state = rng.choice(_STATES)
    street = f"{rng.randrange(1, 9999)} {rng.choice(pools['streets']).upper()}"
    postal = f"{rng.randrange(10000, 99999)}{rng.randrange(10000):04d}"
    phone = f"{rng.randrange(200, 999)}555{rng.randrange(10000):04d}"
    values = {}
    for kind in ("Mailing", "Practice Location"):
        values |= {
            f"Provider First Line Business {kind} Address": street,
            f"Provider Business {kind} Address City Name": "SPRINGFIELD",
            f"Provider Business {kind} Address State Name": state,
            f"Provider Business {kind} Address Postal Code": postal,
            f"Provider Business {kind} Address Country Code (If outside U.S.)": "US",
            f"Provider Business {kind} Address Telephone Number": phone,
        }
    return values


def _day(rng: random.Random, start: date, spread_days: int) -> str:
    """A date as the file prints it."""
    return (start + timedelta(days=rng.randrange(spread_days))).strftime("%m/%d/%Y")
