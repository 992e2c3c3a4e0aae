"""One clinic, one listing: whether a listing one source gives is a clinic already stored.

The same clinic reaches us from its own website, from directories and from the NPI registry,
under different keys and in different words. A stored clinic is the same as a new listing when
they share evidence and their names agree well enough for that evidence:

- the same website (host, "www." aside) and names at least `NAME_WITH_SITE_OR_PHONE` alike;
- a shared phone number and names at least `NAME_WITH_SITE_OR_PHONE` alike;
- the same address (house number and ZIP code) and names at least `NAME_WITH_ADDRESS` alike,
  since one building holds many practices;
- a shared phone number at the same address, whatever the names (a registry's legal name).

Two listings with different websites are never one clinic, and two clinics on the same street,
with their own names and numbers, stay two. Names are compared with rapidfuzz's token-set ratio
once legal suffixes ("PLLC", "Inc.") are set aside; a name in look-alike letters of another
script ("Ketаmine" with a Cyrillic а) agrees with no other name, so a look-alike is never merged
into the clinic it imitates on its name.
"""

import re
from urllib.parse import urlsplit

from rapidfuzz import fuzz
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from directory.models import Clinic, Location
from directory.normalise.listings import mixed_script_name
from directory.normalise.records import ListingRecord, LocationRecord

NAME_WITH_SITE_OR_PHONE = 60.0
NAME_WITH_ADDRESS = 85.0
_LEGAL_SUFFIXES = re.compile(
    r"\b(?:p\.?l\.?l\.?c|l\.?l\.?c|inc|corp|p\.?c|p\.?a|ltd|co)\b\.?", re.I
)
_HOUSE_NUMBER = re.compile(r"^\s*(\d+[A-Za-z]?)\b")


def find_same_clinic(session: Session, record: ListingRecord) -> Clinic | None:
    """The stored clinic the record describes under another key, if the evidence says so."""
    for candidate in _candidates(session, record):
        if same_clinic(candidate, record):
            return candidate
    return None


def same_clinic(clinic: Clinic, record: ListingRecord) -> bool:
    """Whether a stored clinic and a listing are one clinic (see the module's rules)."""
    stored_host, record_host = website_host(clinic.website), website_host(record.website)
    if stored_host and record_host and stored_host != record_host:
        return False
    similarity = name_similarity(clinic.name, record.name)
    phone = bool(_phones(clinic.locations) & _phones(record.locations))
    address = bool(_addresses(clinic.locations) & _addresses(record.locations))
    if phone and address:
        return True
    if (phone or (stored_host and stored_host == record_host)) and (
        similarity >= NAME_WITH_SITE_OR_PHONE
    ):
        return True
    return address and similarity >= NAME_WITH_ADDRESS


def name_similarity(first: str, second: str) -> float:
    """How alike two clinic names are, 0 to 100, legal suffixes and case aside; 0 when one of
    two different names is in mixed-script look-alike letters."""
    if first != second and (mixed_script_name(first) or mixed_script_name(second)):
        return 0.0
    return float(fuzz.token_set_ratio(_bare_name(first), _bare_name(second)))


def website_host(website: str | None) -> str | None:
    """A website's host, lower-cased, without "www."."""
    if not website:
        return None
    host = urlsplit(website if "://" in website else f"http://{website}").netloc.lower()
    return host.removeprefix("www.") or None


def _candidates(session: Session, record: ListingRecord) -> list[Clinic]:
    """Stored clinics sharing the record's website host, a phone number or a ZIP code."""
    phones = [location.phone for location in record.locations if location.phone]
    zips = [location.postal_code for location in record.locations if location.postal_code]
    host = website_host(record.website)
    conditions = []
    if phones:
        conditions.append(Clinic.locations.any(Location.phone.in_(phones)))
    if zips:
        conditions.append(Clinic.locations.any(Location.postal_code.in_(zips)))
    if host:
        conditions.append(Clinic.key.startswith(f"site:{host}", autoescape=True))
    if not conditions:
        return []
    query = select(Clinic).where(Clinic.key != record.key, or_(*conditions)).order_by(Clinic.id)
    return list(session.scalars(query))


def _bare_name(name: str) -> str:
    """A name without legal suffixes, lower-cased, punctuation as spaces."""
    without = _LEGAL_SUFFIXES.sub(" ", name)
    return " ".join(re.sub(r"[^\w]+", " ", without.casefold()).split())


def _phones(locations: list[Location] | tuple[LocationRecord, ...]) -> set[str]:
    """The phone numbers of some locations."""
    return {location.phone for location in locations if location.phone}


def building(location: Location | LocationRecord) -> tuple[str, str] | None:
    """A location's building: (house number, ZIP code), however the street is spelled."""
    number = _HOUSE_NUMBER.match(location.street or "")
    if number is None or not location.postal_code:
        return None
    return number.group(1).lower(), location.postal_code


def _addresses(locations: list[Location] | tuple[LocationRecord, ...]) -> set[tuple[str, str]]:
    """The buildings some locations are in."""
    return {key for key in map(building, locations) if key is not None}
