"""What one clinic web page says: schema.org data first, then what its markup shows plainly.

Strings stay as printed; `directory.normalise` decides what they mean.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import extruct
import phonenumbers
from parsel import Selector

from directory.items import ClinicianItem, LocationItem

CLINIC_TYPES = frozenset(
    {
        "MedicalClinic",
        "MedicalBusiness",
        "MedicalOrganization",
        "Physician",
        "PhysiciansOffice",
        "LocalBusiness",
        "HealthAndBeautyBusiness",
        "Hospital",
    }
)
PERSON_TYPES = frozenset({"Person", "IndividualPhysician"})
PERSON_KEYS = ("employee", "employees", "member", "members", "founder", "founders", "physician")

CREDENTIAL = (
    r"(?:M\.?D|D\.?O|N\.?P(?:-C)?|A?PRN(?:-CNP)?|F?NP-(?:BC|C)|PMHNP(?:-BC)?|FNP|AGNP(?:-C)?"
    r"|DNP|MSN|ARNP|P\.?A(?:-C)?|CRNA|R\.?N|LPC|LCSW|LMFT|LMHC|Ph\.?D|Psy\.?D|MBA|MPH|FACEP)\.?"
)
NAME = r"[A-Z][A-Za-zÀ-ÿ'’\-]+(?:\s+[A-Z]\.?)?(?:\s+[A-Z][A-Za-zÀ-ÿ'’\-]+){1,2}"
CREDENTIALED_PERSON = re.compile(
    rf"^(?:Dr\.?\s+)?(?P<name>{NAME})\s*,\s*(?P<credentials>{CREDENTIAL}(?:\s*,\s*{CREDENTIAL})*)"
    r"(?=$|[\s,;:(–—-])"
)
DOCTOR = re.compile(rf"^(?P<name>Dr\.?\s+{NAME})(?=$|[\s,;:(–—-])")
NPI_TEXT = re.compile(r"\bNPI\b\s*(?:#|No\.?|number)?\s*:?\s*(?P<npi>\d{10})\b", re.IGNORECASE)
LICENSE_TEXT = re.compile(
    r"\bLicen[sc]e\s*(?:#|No\.?|number)?\s*:?\s*(?P<number>[A-Z]{0,4}[.\-]?\d{3,10})\b",
    re.IGNORECASE,
)
ONE_LINE_ADDRESS = re.compile(
    r"\d+[^,\n]{2,60}(?:,\s*(?:Suite|Ste\.?|Unit|Floor|Fl\.?|#)\s*[\w-]+)?,\s*"
    r"[A-Za-z .'\-]{2,40},\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?"
)
TEXT_BLOCKS = "//main//*[self::h1 or self::h2 or self::h3 or self::h4 or self::li or self::p]"
PERSON_BLOCKS = (
    "//*[self::h2 or self::h3 or self::h4 or self::li or self::p or self::strong or self::td]"
)
SITE_FRAME = (
    "//header//text() | //footer//text() | //*[contains(@class, 'logo') or "
    "contains(@class, 'brand') or contains(@class, 'site-title')]//@alt"
)
CARD = "ancestor-or-self::*[self::section or self::article or self::li or self::div or self::tr][1]"
MAX_BLOCK = 600


@dataclass
class PageFacts:
    """Facts printed on one page; several pages of a site are merged into one listing."""

    name: str | None = None
    fallback_name: str | None = None
    website: str | None = None
    locations: list[LocationItem] = field(default_factory=list)
    clinicians: list[ClinicianItem] = field(default_factory=list)
    service_texts: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)


def extract_page(html: str, url: str) -> PageFacts:
    """Everything a listing needs that this page states."""
    selector = Selector(text=html, type="html")  # never sniffed as JSON
    facts = PageFacts(fallback_name=_parse_fallback_name(selector))
    for node in _structured_nodes(html, url):
        _add_structured(facts, node)
    if not facts.locations:
        facts.locations = _parse_plain_addresses(selector)
    facts.clinicians = _merge_people(facts.clinicians, _parse_plain_clinicians(selector))
    facts.phones = _parse_phones(selector)
    facts.service_texts += _parse_service_texts(selector)
    return facts


def _structured_nodes(html: str, url: str) -> Iterator[dict[str, Any]]:
    """Every schema.org object on the page, `@graph` wrappers and lists flattened."""
    try:
        data = extruct.extract(
            html, base_url=url, syntaxes=["json-ld", "microdata", "rdfa"], uniform=True
        )
    except Exception:  # noqa: BLE001 - broken markup falls back to plain extraction
        return
    for syntax_nodes in data.values():
        yield from _flatten(syntax_nodes)


def _flatten(value: Any) -> Iterator[dict[str, Any]]:
    """Objects in a JSON-LD value: top level, lists and `@graph` members."""
    if isinstance(value, list):
        for member in value:
            yield from _flatten(member)
    elif isinstance(value, dict):
        if "@graph" in value:
            yield from _flatten(value["@graph"])
        else:
            yield value


def _types(node: dict[str, Any]) -> set[str]:
    """Bare schema.org type names of a node (URLs and lists accepted)."""
    raw = node.get("@type", [])
    names = raw if isinstance(raw, list) else [raw]
    return {str(name).rstrip("/").rsplit("/", 1)[-1] for name in names}


def _add_structured(facts: PageFacts, node: dict[str, Any]) -> None:
    """Fold one schema.org object into the page's facts."""
    types = _types(node)
    name = _text(node.get("name"))
    if types & PERSON_TYPES or ("Physician" in types and name and _person_in(name)):
        person = _person_from_node(node)
        if person:
            facts.clinicians.append(person)
        return
    if not types & CLINIC_TYPES:
        return
    facts.name = facts.name or name
    facts.website = facts.website or _text(node.get("url"))
    facts.locations += _locations_from_node(node)
    for key in PERSON_KEYS:
        for member in _flatten(node.get(key)):
            person = _person_from_node(member)
            if person:
                facts.clinicians.append(person)
    for key in ("medicalSpecialty", "availableService", "description", "knowsAbout"):
        facts.service_texts += _names(node.get(key))


def _person_from_node(node: dict[str, Any]) -> ClinicianItem | None:
    """A clinician from a schema.org Person or Physician object."""
    name = _text(node.get("name"))
    if not name:
        given, family = _text(node.get("givenName")), _text(node.get("familyName"))
        name = " ".join(part for part in (given, family) if part) or None
    if not name:
        return None
    credentials = _text(node.get("honorificSuffix")) or _text(node.get("hasCredential"))
    return ClinicianItem(
        name=name,
        credentials=credentials,
        npi=_text(node.get("usNPI")) or _npi_in(_text(node.get("identifier")) or ""),
    )


def _locations_from_node(node: dict[str, Any]) -> list[LocationItem]:
    """Locations from `address` (objects or strings), with the node's phone and geo."""
    geo = next(_flatten(node.get("geo")), {})
    phone = _text(node.get("telephone"))
    locations = []
    for address in _as_list(node.get("address")) + _as_list(node.get("location")):
        if isinstance(address, str):
            locations.append(LocationItem(address=address, phone=phone))
        elif isinstance(address, dict):
            inner = next(iter(_as_list(address.get("address", address))), None)
            if isinstance(inner, str):
                locations.append(LocationItem(address=inner, phone=phone))
                continue
            if not isinstance(inner, dict):
                continue
            locations.append(
                LocationItem(
                    street=_text(inner.get("streetAddress")),
                    city=_text(inner.get("addressLocality")),
                    region=_text(inner.get("addressRegion")),
                    postal_code=_text(inner.get("postalCode")),
                    phone=_text(address.get("telephone")) or phone,
                    latitude=_text(geo.get("latitude")),
                    longitude=_text(geo.get("longitude")),
                )
            )
    return locations


def _parse_fallback_name(selector: Selector) -> str | None:
    """A name for a site with no structured data.

    og:site_name if present; else the part of the title that the header or footer repeats
    ("Ketamine Therapy in San Antonio - Hill Country Ketamine & Wellness"); else the title's first.
    """
    site_name = _clean(selector.xpath("//meta[@property='og:site_name']/@content").get())
    if site_name:
        return site_name
    title = _clean(selector.xpath("//title/text()").get()) or ""
    parts = [part.strip() for part in re.split(r"\s[|–—-]\s", title) if part.strip()]
    frame = " ".join(selector.xpath(SITE_FRAME).getall()).casefold()
    repeated = [part for part in parts if part.casefold() in frame]
    if repeated:  # the longest: a nav link ("Contact") is repeated in the header too
        return max(repeated, key=len)
    return parts[0] if parts else None


def _parse_plain_addresses(selector: Selector) -> list[LocationItem]:
    """Addresses printed as text: `<address>` elements first, then one-line addresses."""
    found: list[str] = []
    for block in selector.xpath("//address"):
        text = _clean(" ".join(block.xpath(".//text()").getall()))
        if text and re.search(r"\b[A-Z]{2}\s+\d{5}", text):
            found.append(text)
    if not found:
        body = " ".join(selector.xpath("//body//text()").getall())
        found = [_clean(match.group(0)) or "" for match in ONE_LINE_ADDRESS.finditer(body)]
    return [LocationItem(address=text) for text in dict.fromkeys(found) if text]


def _parse_plain_clinicians(selector: Selector) -> list[ClinicianItem]:
    """People named with credentials ("Jane Q. Doe, MD") or as "Dr. Raj Patel"."""
    clinicians: dict[str, ClinicianItem] = {}
    for block in selector.xpath(PERSON_BLOCKS):
        text = _clean(" ".join(block.xpath(".//text()").getall())) or ""
        person = _person_in(text)
        if not person or person in clinicians:
            continue
        context = _clean(" ".join(block.xpath(f"./{CARD}//text()").getall())) or ""
        license_match = LICENSE_TEXT.search(context)
        clinicians[person] = ClinicianItem(
            name=person,
            npi=_npi_in(context),
            license_number=license_match.group("number") if license_match else None,
        )
    return list(clinicians.values())


def _merge_people(
    structured: list[ClinicianItem], plain: list[ClinicianItem]
) -> list[ClinicianItem]:
    """Structured people first (with numbers printed beside them), then those only text names."""
    by_name = {_person_key(person.name): person for person in structured}
    merged = list(structured)
    for person in plain:
        known = by_name.get(_person_key(person.name))
        if known is None:
            by_name[_person_key(person.name)] = person
            merged.append(person)
            continue
        known.npi = known.npi or person.npi
        known.license_number = known.license_number or person.license_number
    return merged


def _person_key(name: str) -> str:
    """A person's name without title or credentials, for recognising them twice on a page."""
    bare = re.sub(r"^Dr\.?\s+", "", name.split(",")[0].strip())
    return "".join(char for char in bare.casefold() if char.isalpha())


def _person_in(text: str) -> str | None:
    """The credentialed name a short text starts with, as written."""
    if len(text) > 120:
        return None
    match = CREDENTIALED_PERSON.match(text)
    if match:
        return match.group(0).strip(" ,;:")
    match = DOCTOR.match(text)
    return match.group("name") if match else None


def _npi_in(text: str) -> str | None:
    """A printed NPI number in a text."""
    match = NPI_TEXT.search(text)
    return match.group("npi") if match else None


def _parse_phones(selector: Selector) -> list[str]:
    """Phone numbers: `tel:` links first, else numbers found in the text."""
    links = [href[4:] for href in selector.xpath("//a[starts-with(@href, 'tel:')]/@href").getall()]
    if links:
        return list(dict.fromkeys(link.strip() for link in links if link.strip()))
    text = " ".join(selector.xpath("//body//text()").getall())
    return list(dict.fromkeys(m.raw_string for m in phonenumbers.PhoneNumberMatcher(text, "US")))


def _parse_service_texts(selector: Selector) -> list[str]:
    """Headings, list items and paragraphs of the main content, where services are described."""
    blocks = selector.xpath(TEXT_BLOCKS) or selector.xpath(
        "//body//*[self::h1 or self::h2 or self::h3 or self::li or self::p]"
        "[not(ancestor::nav) and not(ancestor::footer)]"
    )
    texts = (_clean(" ".join(block.xpath(".//text()").getall())) for block in blocks)
    return [text for text in texts if text and len(text) <= MAX_BLOCK]


def _as_list(value: Any) -> list[Any]:
    """A schema.org value that may be single or repeated, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _names(value: Any) -> list[str]:
    """Text of values that may be strings, URLs or objects with a name."""
    names = []
    for member in _as_list(value):
        if isinstance(member, dict):
            member = member.get("name")
        text = _text(member)
        if text:
            names.append(text.rstrip("/").rsplit("/", 1)[-1] if "schema.org/" in text else text)
    return names


def _text(value: Any) -> str | None:
    """A schema.org scalar as clean text (first of a list; numbers as strings)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if value is None or isinstance(value, (dict, list)):
        return None
    return _clean(str(value))


def _clean(text: str | None) -> str | None:
    """Whitespace collapsed; empty becomes None."""
    if text is None:
        return None
    collapsed = " ".join(text.split())
    return collapsed or None
