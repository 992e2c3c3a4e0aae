"""An NPPES NPI Registry API v2.1 look-alike at `/api/`: the same parameters, paging and errors.

Errors come back with HTTP 200 as `{"Errors": [...]}`. Numbers 03, 04, 06, 07 and 09 with their
wording were seen in captures of the live service; the wording of the version, limit and skip
errors was not captured anywhere we could find, so those are ours.
"""

import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from werkzeug.wrappers import Request, Response

from localweb.fillers import namesake_records, nppes_records
from localweb.paths import load_json
from localweb.site import Handler, Site

DEFAULT_LIMIT = 10
MAX_LIMIT = 200
MAX_SKIP = 1000
FILLER_COUNT = 420
NAMESAKE_SURNAME = "NGUYEN"
NAMESAKE_COUNT = 1300
"""More namesakes than the registry returns for one question (1,200)."""

CRITERIA = (
    "number",
    "enumeration_type",
    "taxonomy_description",
    "first_name",
    "last_name",
    "organization_name",
    "city",
    "state",
    "postal_code",
    "country_code",
)
"""Search fields; `address_purpose`, `name_purpose` and the paging fields only refine them."""

WILDCARD_FIELDS = (
    "taxonomy_description",
    "first_name",
    "last_name",
    "organization_name",
    "postal_code",
)
ADDRESS_FIELDS = ("city", "state", "postal_code", "country_code")
NEEDS_COMPANY = {
    "state": ("07", "Field state requires additional search criteria"),
    "enumeration_type": ("09", "enumeration_type requires additional search criteria"),
}
BAD_VALUE = "05", "Field contains special character(s) or wrong number of characters"

Error = dict[str, str]


@cache
def records() -> list[dict[str, Any]]:
    """Every record the registry holds: the story's, then the seeded fillers."""
    story: list[dict[str, Any]] = load_json("nppes/records.json")
    fillers = nppes_records(FILLER_COUNT, {record["number"] for record in story})
    taken = {str(record["number"]) for record in story + fillers}
    return story + fillers + namesake_records(NAMESAKE_COUNT, NAMESAKE_SURNAME, taken)


def api(site: Site, request: Request) -> Response:
    """Answer one `/api/` request."""
    args = {key: value.strip() for key, value in request.args.items() if value.strip()}
    errors = validate(args)
    if errors:
        body: dict[str, Any] = {"Errors": errors}
    else:
        found = [record for record in records() if matches(record, args)]
        skip = int(args.get("skip", 0))
        page = found[skip : skip + min(int(args.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)]
        body = {"result_count": len(page), "results": page}
    pretty = args.get("pretty", "").lower() in ("on", "true")
    text = json.dumps(body, indent=4 if pretty else None)
    return Response(text, mimetype="application/json")


def validate(args: Mapping[str, str]) -> list[Error]:
    """The errors the registry would report for these parameters, in its order."""
    if args.get("version") != "2.1":
        return [_error("version", "01", "Invalid version: only version 2.1 is supported")]
    given = [field for field in CRITERIA if field in args]
    if not given:
        return [_error("generic", "04", "No valid search criteria provided")]
    for errors in (
        _value_errors(args),
        _wildcard_errors(args),
        _company_errors(given),
        _paging_errors(args),
    ):
        if errors:
            return errors
    return []


def _value_errors(args: Mapping[str, str]) -> list[Error]:
    """Values the registry rejects outright."""
    number = args.get("number")
    if number is not None and not (number.isdigit() and len(number) == 10):
        return [_error("number", "06", "NPI must be 10 digits")]
    kind = args.get("enumeration_type")
    if kind is not None and kind.upper() not in ("NPI-1", "NPI-2"):
        return [_error("enumeration_type", *BAD_VALUE)]
    return []


def _wildcard_errors(args: Mapping[str, str]) -> list[Error]:
    """A trailing `*` needs at least two characters before it."""
    return [
        _error(field, "03", "Wildcards require at least two leading characters")
        for field in WILDCARD_FIELDS
        if args.get(field, "").endswith("*") and len(args[field].rstrip("*")) < 2
    ]


def _company_errors(given: list[str]) -> list[Error]:
    """State and enumeration type need a criterion besides each other and the country."""
    lonely = [field for field in given if field != "country_code"]
    if not lonely or not set(lonely) <= set(NEEDS_COMPANY):
        return []
    return [_error(field, *error) for field, error in NEEDS_COMPANY.items() if field in lonely]


def _paging_errors(args: Mapping[str, str]) -> list[Error]:
    """Limit and skip must be whole numbers; skip may not pass 1000 (limit is silently capped)."""
    for field in ("limit", "skip"):
        if field in args and not args[field].isdigit():
            return [_error(field, *BAD_VALUE)]
    if "limit" in args and int(args["limit"]) < 1:
        return [_error("limit", *BAD_VALUE)]
    if int(args.get("skip", 0)) > MAX_SKIP:
        return [_error("skip", "11", f"Skip value must be between 0 and {MAX_SKIP}")]
    return []


def _error(field: str, number: str, description: str) -> Error:
    """One entry of the `Errors` array."""
    return {"field": field, "number": number, "description": description}


def matches(record: Mapping[str, Any], args: Mapping[str, str]) -> bool:
    """Whether a record meets every criterion given (case-insensitive, trailing `*` wildcard)."""
    checks = (_identity_matches, _names_match, _taxonomy_matches, _address_matches)
    return all(check(record, args) for check in checks)


def _identity_matches(record: Mapping[str, Any], args: Mapping[str, str]) -> bool:
    """NPI, enumeration type and organization name (legal or other names)."""
    if args.get("number", str(record["number"])) != str(record["number"]):
        return False
    kind = record["enumeration_type"]
    if args.get("enumeration_type", kind).upper() != kind:
        return False
    if "organization_name" not in args:
        return True
    names = [record["basic"].get("organization_name")]
    names += [other.get("organization_name") for other in record["other_names"]]
    return any(_like(args["organization_name"], name) for name in names)


def _taxonomy_matches(record: Mapping[str, Any], args: Mapping[str, str]) -> bool:
    """Any of the record's taxonomies has the description asked for."""
    wanted = args.get("taxonomy_description")
    return wanted is None or any(_like(wanted, t["desc"]) for t in record["taxonomies"])


def _names_match(record: Mapping[str, Any], args: Mapping[str, str]) -> bool:
    """First and last name: the provider's, or with name_purpose=AO the authorized official's."""
    prefix = "authorized_official_" if args.get("name_purpose", "").upper() == "AO" else ""
    for field in ("first_name", "last_name"):
        if field in args and not _like(args[field], record["basic"].get(prefix + field)):
            return False
    return True


def _address_matches(record: Mapping[str, Any], args: Mapping[str, str]) -> bool:
    """Some single address of the chosen purpose satisfies every address criterion."""
    wanted = [field for field in ADDRESS_FIELDS if field in args]
    if not wanted:
        return True
    return any(
        all(_address_field_matches(field, args[field], address) for field in wanted)
        for address in _addresses(record, args.get("address_purpose", "").upper())
    )


def _addresses(record: Mapping[str, Any], purpose: str) -> Iterable[Mapping[str, Any]]:
    """The addresses an address_purpose selects (PRIMARY = LOCATION, SECONDARY = other sites)."""
    secondary = record.get("practiceLocations", [])
    if purpose == "SECONDARY":
        return secondary
    purpose = "LOCATION" if purpose == "PRIMARY" else purpose
    chosen = [a for a in record["addresses"] if purpose in ("", a["address_purpose"])]
    return chosen + secondary if purpose == "" else chosen


def _address_field_matches(field: str, wanted: str, address: Mapping[str, Any]) -> bool:
    """One address criterion: a five-digit postal code matches every ZIP+4 within it."""
    if field == "postal_code":
        return address.get("postal_code", "").startswith(wanted.rstrip("*"))
    return (address.get(field) or "").upper() == wanted.upper()


def _like(pattern: str, value: str | None) -> bool:
    """Case-insensitive equality, or a prefix match when the pattern ends with `*`."""
    if value is None:
        return False
    if pattern.endswith("*"):
        return value.upper().startswith(pattern.rstrip("*").upper())
    return value.upper() == pattern.upper()


ROUTES: dict[str, Handler] = {"/api/": api}
