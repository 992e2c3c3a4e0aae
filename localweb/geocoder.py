"""A US Census Bureau geocoder look-alike: one-line addresses from a small address book.

Matching ignores case, punctuation and the spelling of street types (Street/St, Avenue/Ave),
as the real service does for the addresses it knows; anything else has no match.
"""

import json
import re
from functools import cache
from typing import Any

from werkzeug.wrappers import Request, Response

from localweb.paths import load_json
from localweb.site import Handler, Site

_WORDS = {"STREET": "ST", "AVENUE": "AVE", "ROAD": "RD", "WEST": "W", "EAST": "E", "NORTH": "N"}
_WORDS |= {"SOUTH": "S", "BOULEVARD": "BLVD", "DRIVE": "DR", "SECOND": "2ND", "SIXTH": "6TH"}


def _key(address: str) -> str:
    """An address reduced for comparison: capitals, no punctuation, short street words."""
    words = re.sub(r"[^A-Z0-9]+", " ", address.upper()).split()
    return " ".join(_WORDS.get(word, word) for word in words)


@cache
def address_book() -> dict[str, dict[str, Any]]:
    """The addresses this geocoder knows, by their comparison key."""
    entries: list[dict[str, Any]] = load_json("geocoder/addresses.json")
    return {_key(entry["address"]): entry for entry in entries}


def one_line_address(site: Site, request: Request) -> Response:
    """`locations/onelineaddress`: the Census JSON shape, with zero or one address match."""
    address = request.args.get("address", "")
    if request.args.get("format") != "json" or not request.args.get("benchmark"):
        body = {"errors": ["format and benchmark are required"], "status": "400"}
        return Response(json.dumps(body), status=400, mimetype="application/json")
    entry = address_book().get(_key(address))
    matches = [] if entry is None else [_match(entry)]
    body = {"result": {"input": {"address": {"address": address}}, "addressMatches": matches}}
    return Response(json.dumps(body), mimetype="application/json")


def _match(entry: dict[str, Any]) -> dict[str, Any]:
    """One address match as the Census geocoder writes it."""
    street, city, state, zip_code = (part.strip() for part in entry["address"].split(","))
    return {
        "matchedAddress": entry["address"],
        "coordinates": {"x": entry["lon"], "y": entry["lat"]},
        "addressComponents": {"city": city, "state": state, "zip": zip_code},
    }


ROUTES: dict[str, Handler] = {"/geocoder/locations/onelineaddress": one_line_address}
