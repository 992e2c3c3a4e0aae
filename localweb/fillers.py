"""Seeded filler records that make the licence data big enough to page through, the same every run.

Fillers never carry a story surname (`STORY_SURNAMES`), so they cannot be mistaken for a clinician
named by a clinic; they only make the data sets realistically large.
"""

import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from localweb.paths import load_json

STORY_SURNAMES = frozenset({"DOE", "PATEL", "LOPEZ", "SMITH", "CHEN", "KIM", "RIVERA"})

_TEXAS_TYPES = (
    ("Physician (MD)", 30),
    ("Physician (DO)", 6),
    ("Physician Assistant", 8),
    ("APRN - Nurse Practitioner", 14),
    ("APRN - CRNA", 4),
    ("Registered Nurse", 38),
)
_TEXAS_STATUSES = (
    ("ACTIVE", 72),
    ("EXPIRED", 11),
    ("INACTIVE", 7),
    ("PROBATION", 3),
    ("SUSPENDED", 2),
    ("REVOKED", 2),
    ("VOLUNTARY SURRENDER", 3),
)
_CURRENT_STATUSES = frozenset({"ACTIVE", "PROBATION"})

# NUCC code, NPPES description, credential as typed, licence kind
_TAXONOMIES = (
    ("207Q00000X", "Family Medicine", "MD", "physician"),
    ("207R00000X", "Internal Medicine", "M.D.", "physician"),
    ("207P00000X", "Emergency Medicine", "DO", "physician"),
    ("2084P0800X", "Psychiatry & Neurology, Psychiatry", "MD", "physician"),
    ("207L00000X", "Anesthesiology", "M.D.", "physician"),
    ("363LF0000X", "Nurse Practitioner, Family", "FNP-C", "aprn"),
    ("363LP0808X", "Nurse Practitioner, Psych/Mental Health", "PMHNP-BC", "aprn"),
    ("367500000X", "Nurse Anesthetist, Certified Registered", "CRNA", "aprn"),
    ("363A00000X", "Physician Assistant", "PA-C", "pa"),
    ("163W00000X", "Registered Nurse", "RN", "rn"),
    ("101YP2500X", "Counselor, Professional", "LPC", "counselor"),
    ("1041C0700X", "Social Worker, Clinical", "LCSW", "counselor"),
)


@cache
def _pools() -> dict[str, Any]:
    """The name and place pools, checked against the story surnames."""
    pools: dict[str, Any] = load_json("names.json")
    clash = {name.upper() for name in pools["last_names"]} & STORY_SURNAMES
    if clash:
        raise ValueError(f"names.json holds story surnames: {sorted(clash)}")
    return pools


def texas_license_rows(count: int, reserved: set[str]) -> list[dict[str, str]]:
    """Rows of the Texas licence table, in SODA's shape; licence numbers avoid `reserved`."""
    rng = random.Random(7400)  # noqa: S311 - reproducible test data, not secrets
    used = set(reserved)
    return [_texas_row(rng, used) for _ in range(count)]


def _texas_row(rng: random.Random, used: set[str]) -> dict[str, str]:
    """One filler row of the Texas table; missing values are left out, as SODA does."""
    pools = _pools()
    kind = _weighted(rng, _TEXAS_TYPES)
    status = _weighted(rng, _TEXAS_STATUSES)
    sex = rng.choice("FM")
    row = {
        "license_number": _unique(rng, used, _texas_number_maker(kind)),
        "license_type": kind,
        "last_name": rng.choice(pools["last_names"]),
        "first_name": rng.choice(pools["first_names"][sex]),
    }
    if rng.random() < 0.7:
        row["middle_name"] = rng.choice(pools["middle_names"])
    row["license_status"] = status
    row["original_issue_date"] = _floating(_day_between(rng, date(1981, 1, 1), date(2024, 12, 31)))
    if status in _CURRENT_STATUSES:
        expires = _day_between(rng, date(2026, 12, 31), date(2028, 11, 30))
    else:
        expires = _day_between(rng, date(2014, 1, 31), date(2026, 10, 31))
    row["expiration_date"] = _floating(expires)
    if rng.random() < 0.97:
        city, postal_code, _ = rng.choice(pools["texas_places"])
        row["city"] = city
        row["zip"] = postal_code
    return row


def _texas_number_maker(kind: str) -> Callable[[random.Random], str]:
    """How the Texas boards number a licence of this type."""
    if kind.startswith("Physician ("):
        return lambda rng: rng.choice("DEFGHJKLMNPQRS") + f"{rng.randrange(10_000):04d}"
    if kind == "Physician Assistant":
        return lambda rng: f"PA{rng.randrange(100_000):05d}"
    if kind.startswith("APRN"):
        return lambda rng: f"AP{rng.randrange(1_000_000):06d}"
    return lambda rng: f"{rng.randrange(500_000, 1_000_000)}"


def nppes_records(count: int, reserved: set[str]) -> list[dict[str, Any]]:
    """Individual (NPI-1) NPPES records, mostly in Houston; NPIs avoid `reserved` and pass Luhn."""
    rng = random.Random(2100)  # noqa: S311 - reproducible test data, not secrets
    used = set(reserved)
    return [_nppes_record(rng, used) for _ in range(count)]


def _nppes_record(rng: random.Random, used: set[str]) -> dict[str, Any]:
    """One filler NPI-1 record in the v2.1 response shape."""
    pools = _pools()
    city, postal_code, area_code, state = _nppes_place(rng)
    code, description, credential, kind = rng.choice(_TAXONOMIES)
    sex = rng.choice("FM")
    enumerated = _day_between(rng, date(2005, 6, 1), date(2024, 12, 31))
    updated = _day_between(rng, enumerated, date(2026, 10, 31))
    address = {
        "address_1": f"{rng.randrange(100, 9900)} {rng.choice(pools['streets']).upper()}",
        "address_type": "DOM",
        "city": city.upper(),
        "country_code": "US",
        "country_name": "United States",
        "postal_code": f"{postal_code}{rng.randrange(10_000):04d}",
        "state": state,
        "telephone_number": f"{area_code}-555-{rng.randrange(100, 200):04d}",
    }
    basic = {
        "credential": credential,
        "enumeration_date": enumerated.isoformat(),
        "first_name": rng.choice(pools["first_names"][sex]).upper(),
        "last_name": rng.choice(pools["last_names"]).upper(),
        "last_updated": updated.isoformat(),
        "name_prefix": "--",
        "name_suffix": "--",
        "sex": sex,
        "sole_proprietor": rng.choice(("NO", "NO", "YES")),
        "status": "A",
    }
    if rng.random() < 0.5:
        basic["middle_name"] = rng.choice(pools["middle_names"]).upper()
    licence = _nppes_licence(rng, state, kind)
    return {
        "addresses": [
            {**address, "address_purpose": "MAILING"},
            {**address, "address_purpose": "LOCATION"},
        ],
        "basic": basic,
        "created_epoch": _epoch_ms(rng, enumerated),
        "endpoints": [],
        "enumeration_type": "NPI-1",
        "identifiers": [],
        "last_updated_epoch": _epoch_ms(rng, updated),
        "number": _unique(rng, used, _npi),
        "other_names": [],
        "practiceLocations": [],
        "taxonomies": [
            {
                "code": code,
                "desc": description,
                "license": licence,
                "primary": True,
                "state": state,
                "taxonomy_group": "",
            }
        ],
    }


NAMESAKE_PLACES = (
    ("PASADENA", "77502"),
    ("SUGAR LAND", "77478"),
    ("KATY", "77494"),
    ("LEAGUE CITY", "77573"),
    ("HUMBLE", "77338"),
    ("SPRING", "77380"),
    ("ORANGE", "77630"),
)
"""Towns around Houston under several three-digit ZIP prefixes, for the namesake fillers."""


def namesake_records(count: int, last_name: str, reserved: set[str]) -> list[dict[str, Any]]:
    """Individuals sharing one surname, all in towns around Houston: more than one registry
    question can return, so a crawl must split it by ZIP code. Every other one is in the 2019 shape
    (`number` an integer, `gender` not `sex`), as older captures of the registry are."""
    rng = random.Random(2300)  # noqa: S311 - reproducible test data, not secrets
    used = set(reserved)
    found = []
    for serial in range(count):
        record = _nppes_record(rng, used)
        record["basic"]["last_name"] = last_name
        city, postal_code = rng.choice(NAMESAKE_PLACES)
        for address in record["addresses"]:
            address.update(city=city, state="TX", postal_code=f"{postal_code}{serial % 10000:04d}")
        if serial % 2:
            record["number"] = int(record["number"])
            record["basic"]["gender"] = record["basic"].pop("sex")
        found.append(record)
    return found


def _nppes_place(rng: random.Random) -> tuple[str, str, str, str]:
    """City, ZIP, area code and state: most in Houston, so a Houston search saturates a page."""
    pools = _pools()
    draw = rng.random()
    if draw < 0.1:
        return (*rng.choice(pools["colorado_places"]), "CO")
    texas = pools["texas_places"]
    if draw < 0.75:
        texas = [place for place in texas if place[0] == "Houston"]
    return (*rng.choice(texas), "TX")


def _nppes_licence(rng: random.Random, state: str, kind: str) -> str:
    """A licence number as a provider would type it into NPPES for that state."""
    if state == "CO":
        prefix = {"physician": "DR", "aprn": "APN", "pa": "PA", "rn": "RN", "counselor": "LPC"}
        return f"{prefix[kind]}.{rng.randrange(10_000_000):07d}"
    texas = {
        "physician": "Physician (MD)",
        "aprn": "APRN - Nurse Practitioner",
        "pa": "Physician Assistant",
        "rn": "Registered Nurse",
    }
    if kind in texas:
        return _texas_number_maker(texas[kind])(rng)
    return f"{rng.randrange(10_000, 100_000)}"


def _npi(rng: random.Random) -> str:
    """A random NPI: nine digits starting 1 or 2, then the Luhn check digit."""
    base = str(rng.randrange(100_000_000, 300_000_000))
    return base + npi_check_digit(base)


def npi_check_digit(base: str) -> str:
    """The check digit of a nine-digit NPI base: Luhn over the 80840 prefix and the base."""
    total = 0
    for index, char in enumerate(reversed("80840" + base)):
        digit = int(char)
        if index % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def _unique(rng: random.Random, used: set[str], make: Callable[[random.Random], str]) -> str:
    """Draw values until one is not yet used, and mark it used."""
    value = make(rng)
    while value in used:
        value = make(rng)
    used.add(value)
    return value


def _weighted(rng: random.Random, choices: Sequence[tuple[str, int]]) -> str:
    """Pick a value from (value, weight) pairs."""
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _day_between(rng: random.Random, first: date, last: date) -> date:
    """A day from first to last, inclusive."""
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _floating(day: date) -> str:
    """A SODA floating timestamp at midnight."""
    return f"{day.isoformat()}T00:00:00.000"


def _epoch_ms(rng: random.Random, day: date) -> str:
    """Milliseconds since the epoch at some second of that day, as NPPES prints them."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return str(int(midnight.timestamp() + rng.randrange(86_400)) * 1000)
