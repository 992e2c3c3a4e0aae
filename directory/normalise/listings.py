"""Clinic listings: names, locations with coordinates, clinicians and services."""

import hashlib
import math
import re
import unicodedata
from dataclasses import replace
from urllib.parse import urlsplit

from confusable_homoglyphs import confusables

from directory.items import ClinicianItem, ClinicItem, LocationItem
from directory.normalise.addresses import parse_address
from directory.normalise.geo import Point, city_centroid, distance_km, zip_centroid
from directory.normalise.hours import read_hours
from directory.normalise.names import fold_name, generational_suffix, name_key, parse_person
from directory.normalise.npi import valid_npi
from directory.normalise.phones import to_e164
from directory.normalise.records import (
    ClinicianRecord,
    ListingRecord,
    LocationRecord,
    NormaliseError,
)
from directory.normalise.services import classify_services, is_professional_body, offers_ketamine

# Sites ship wrong geo (New York coordinates for a Fargo clinic): trust it only near the ZIP.
_GEO_TOLERANCE_KM = 50.0
_LONGEST_LICENSE_NUMBER = 40  # the columns' widths in the database
_LONGEST_KEY = 255
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NOT_SLUG = re.compile(r"[\W_]+")


def normalise_listing(item: ClinicItem) -> ListingRecord:
    """A clinic listing in typed form.

    `missing_name` without a name of letters or digits; `not_a_provider` when neither the name
    nor the pages say ketamine is offered (a dental office, a news article), or when the
    listing is a professional association of those who offer it.
    """
    name = _collapse(item.name)
    slug = _slug(name) if name else ""
    if name is None or not slug:
        raise NormaliseError("missing_name", f"listing at {item.source_url}")
    if not offers_ketamine([name, *item.service_texts]):
        raise NormaliseError("not_a_provider", f"{name!r} at {item.source_url} offers no ketamine")
    if is_professional_body(name, item.service_texts):
        raise NormaliseError(
            "not_a_provider", f"{name!r} at {item.source_url} is a professional association"
        )
    website = _collapse(item.website)
    site = _site_key(website) if website else None
    located, unreadable = _locations(item.locations)
    locations, unread_texts = _with_hours(_with_phone(located, item.phones), item.hours_texts)
    modalities, conditions = classify_services(item.service_texts)
    first_zip = (locations[0].postal_code if locations else None) or "nozip"
    return ListingRecord(
        key=_bounded(f"site:{site}" if site else f"name:{slug}:{first_zip}"),
        name=name,
        website=website if site else None,
        locations=locations,
        clinicians=_clinicians(item.clinicians),
        modalities=tuple(sorted(modalities)),
        conditions=tuple(sorted(conditions)),
        source_name=item.source_name,
        source_url=item.source_url,
        retrieved_at=item.retrieved_at,
        unreadable_hours=unreadable + unread_texts,
    )


def mixed_script_name(name: str) -> bool:
    """Whether a name mixes writing systems with letters that pass for another's: "Ketаmine"
    with a Cyrillic а looks like a Latin name it is not (Unicode TR39 confusables)."""
    return bool(confusables.is_dangerous(name))


def _bounded(key: str) -> str:
    """A key that fits its column: an over-long one keeps its start plus a hash of the whole."""
    if len(key) <= _LONGEST_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{key[: _LONGEST_KEY - len(digest) - 1]}~{digest}"


def _site_key(website: str) -> str | None:
    """A website's identity: host (and any non-default port) plus path, lower-cased.

    The scheme, "www.", a trailing slash, the query and the fragment do not change which clinic
    a site is.
    """
    try:
        url = urlsplit(website if "://" in website else f"http://{website}")
        host, port = url.hostname, url.port
    except ValueError:  # an unreadable port or IPv6 literal
        return None
    if url.scheme.lower() not in _DEFAULT_PORTS or not host or url.username is not None:
        return None
    if "." not in host and host != "localhost":
        return None
    host = host.removeprefix("www.")
    if port is not None and port != _DEFAULT_PORTS.get(url.scheme.lower()):
        host = f"{host}:{port}"
    return f"{host}{url.path.rstrip('/')}".lower()


def _with_phone(
    locations: tuple[LocationRecord, ...], phones: list[str]
) -> tuple[LocationRecord, ...]:
    """A single location without a phone takes the first real number the pages print.

    Pages also print numbers that are not the clinic's own, such as the 988 crisis line.
    """
    if len(locations) != 1 or locations[0].phone:
        return locations
    numbers = (to_e164(phone) for phone in phones)
    return (replace(locations[0], phone=next((n for n in numbers if n), None)),)


def _with_hours(
    locations: tuple[LocationRecord, ...], texts: list[str]
) -> tuple[tuple[LocationRecord, ...], int]:
    """A single location without stated hours takes the hours the pages print; and how many
    of those texts were unreadable. With several locations, whose hours they are is unknown."""
    if len(locations) != 1 or locations[0].hours or not texts:
        return locations, 0
    hours, unreadable = read_hours(texts)
    return (replace(locations[0], hours=hours),), unreadable


def _locations(items: list[LocationItem]) -> tuple[tuple[LocationRecord, ...], int]:
    """The listed locations, one per address: later mentions fill in a missing phone, point or
    hours. Also how many hours texts were unreadable."""
    by_address: dict[tuple[str | None, ...], LocationRecord] = {}
    unreadable = 0
    for item in items:
        if not _has_content(item):
            continue
        hours, unread = read_hours(item.hours)
        unreadable += unread
        location = replace(_location(item), hours=hours)
        key = _address_key(location)
        known = by_address.setdefault(key, location)
        has_point = known.lat is not None
        by_address[key] = replace(
            known,
            phone=known.phone or location.phone,
            lat=known.lat if has_point else location.lat,
            lon=known.lon if has_point else location.lon,
            hours=known.hours or location.hours,
        )
    return tuple(by_address.values()), unreadable


def _address_key(location: LocationRecord) -> tuple[str | None, ...]:
    """What makes two locations one place: the parsed address, else the printed text."""
    parsed = (location.street, location.city, location.state, location.postal_code)
    if not any(parsed):
        return ((location.raw or "").casefold(),)
    return tuple(_slug(part) if part else None for part in parsed)


def _location(item: LocationItem) -> LocationRecord:
    """One location: parsed address, E.164 phone and the best coordinates we can vouch for."""
    address = parse_address(
        item.address,
        street=item.street,
        city=item.city,
        region=item.region,
        postal_code=item.postal_code,
    )
    reference = zip_centroid(address.postal_code) or city_centroid(address.city, address.state)
    given = _point(item.latitude, item.longitude)
    if given is not None and (
        reference is None or distance_km(given, reference) <= _GEO_TOLERANCE_KM
    ):
        point: Point | None = given
    else:
        point = reference
    return LocationRecord(
        street=address.street,
        city=address.city,
        state=address.state,
        postal_code=address.postal_code,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        phone=to_e164(item.phone),
        raw=address.raw,
    )


def _clinicians(items: list[ClinicianItem]) -> tuple[ClinicianRecord, ...]:
    """The named clinicians, one per person: later mentions fill in what earlier ones lacked.

    A name key stays "last|first" (maintainers' decisions are kept under it) unless the listing
    names two people with that name and different generational suffixes, John Smith Jr. and
    John Smith Sr.: then each carries its suffix too, and they stay two people.
    """
    named = []
    for item in items:
        try:
            named.append(_clinician(item))
        except NormaliseError:
            continue  # a name without a surname names nobody we could check
    suffixes: dict[str, set[str]] = {}
    for clinician in named:
        if clinician.suffix:
            suffixes.setdefault(clinician.name_key, set()).add(clinician.suffix)
    by_key: dict[str, ClinicianRecord] = {}
    for clinician in named:
        if clinician.suffix and len(suffixes[clinician.name_key]) > 1:
            clinician = replace(
                clinician, name_key=f"{clinician.name_key}|{fold_name(clinician.suffix)}"
            )
        known = by_key.get(clinician.name_key)
        by_key[clinician.name_key] = clinician if known is None else _merged(known, clinician)
    return tuple(by_key.values())


def _merged(known: ClinicianRecord, again: ClinicianRecord) -> ClinicianRecord:
    """One person named twice: the first mention, with what only the second one gives."""
    return replace(
        known,
        credentials_raw=known.credentials_raw or again.credentials_raw,
        credentials=tuple(dict.fromkeys(known.credentials + again.credentials)),
        suffix=known.suffix or again.suffix,
        npi=known.npi or again.npi,
        license_number=known.license_number or again.license_number,
    )


def _clinician(item: ClinicianItem) -> ClinicianRecord:
    """One clinician as named on the listing."""
    name = _collapse(item.name) or ""
    credentials_raw = _collapse(item.credentials)
    person = parse_person(name, credentials_raw)
    license_number = _collapse(item.license_number)
    if license_number is not None and len(license_number) > _LONGEST_LICENSE_NUMBER:
        license_number = None
    return ClinicianRecord(
        name=name,
        name_key=name_key(person.first, person.last),
        first_name=person.first,
        middle_name=person.middle,
        last_name=person.last,
        suffix=generational_suffix(person.suffix),
        credentials_raw=credentials_raw,
        credentials=person.credentials,
        npi=valid_npi(item.npi),
        license_number=license_number,
    )


def _point(latitude: str | None, longitude: str | None) -> Point | None:
    """Printed coordinates as a point, if they are numbers on the globe and not (0, 0)."""
    try:
        lat, lon = float(latitude or "nan"), float(longitude or "nan")
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or (lat, lon) == (0.0, 0.0):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _has_content(location: LocationItem) -> bool:
    """Whether a location item holds any text at all."""
    return any(isinstance(value, str) and _collapse(value) for value in vars(location).values())


def _slug(name: str) -> str:
    """A name as a lower-case, accent-free, hyphenated slug."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_SLUG.sub("-", letters.casefold()).strip("-")


def _collapse(text: str | None) -> str | None:
    """Whitespace collapsed; None when nothing is left."""
    if text is None:
        return None
    return " ".join(text.split()) or None
