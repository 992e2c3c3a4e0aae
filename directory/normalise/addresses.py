"""US postal addresses: one printed line or schema.org PostalAddress parts, parsed defensively.

usaddress labels the tokens; it raises `RepeatedLabelError` on some real addresses and mislabels
a few others, so the city it finds is checked against the ZIP code's accepted city names and a
failed parse falls back to reading the trailing "ST 12345" pattern. Nothing here raises on junk:
the result holds what could be read, and `raw` keeps the text.

Streets keep their words as written, suite included, with commas dropped
("1201 W 6th St Suite 200").
"""

import re
from dataclasses import dataclass

import usaddress

from directory.normalise.geo import same_city, state_code, zip_cities, zip_state

_ZIP = re.compile(r"([0-9O]{5})(?:[- ]?[0-9O]{4})?", re.ASCII)
_PLACE_LABELS = frozenset({"PlaceName", "StateName", "ZipCode", "CountryName"})
_NOT_STREET_LABELS = frozenset({"Recipient", "NotAddress"})
_LAST_TOKEN = re.compile(r"(?:^|[\s,]+)([^\s,]+)[\s,.]*$")
_TRAILING_COUNTRY = re.compile(
    r"[\s,]+(?:USA|U\.S\.A\.|US|United States(?: of America)?)\s*$", re.I
)
_LONGEST_CITY_WORDS = 5
_LONGEST_STATE_WORDS = 4


@dataclass(frozen=True)
class ParsedAddress:
    """An address split into street, city, two-letter state and five-digit ZIP code."""

    street: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    raw: str | None


def zip5(text: str | None) -> str | None:
    """The five-digit ZIP code in a ZIP, ZIP+4 or nine-digit code (a letter O read as zero)."""
    if text is None:
        return None
    match = _ZIP.fullmatch(text.strip().upper())
    if match is None:
        return None
    code = match.group(1).replace("O", "0")
    return None if code == "00000" else code


def parse_address(
    address: str | None = None,
    *,
    street: str | None = None,
    city: str | None = None,
    region: str | None = None,
    postal_code: str | None = None,
) -> ParsedAddress:
    """Parse a one-line address and/or structured parts; the parts win, the line fills gaps."""
    line = _one_line(address)
    parts = ParsedAddress(
        street=_clean(street.replace(",", " ")) if street else None,
        city=_clean(city),
        state=state_code(region),
        postal_code=zip5(postal_code),
        raw=None,
    )
    parsed = _parse_line(line) if line else ParsedAddress(None, None, None, None, None)
    postal = parts.postal_code or parsed.postal_code
    raw = line or ", ".join(
        part for part in (_clean(street), parts.city, _clean(region), _clean(postal_code)) if part
    )
    return ParsedAddress(
        street=parts.street or parsed.street,
        city=parts.city or parsed.city,
        # A ZIP code names its state reliably; a printed state still wins where both exist.
        state=parts.state or parsed.state or zip_state(postal),
        postal_code=postal,
        raw=raw or None,
    )


def _parse_line(line: str) -> ParsedAddress:
    """Parse one printed line with usaddress, falling back to the trailing pattern."""
    try:
        tagged, _ = usaddress.tag(line)
    except usaddress.RepeatedLabelError:
        return _parse_by_pattern(line)
    postal = zip5(tagged.get("ZipCode"))
    street = _clean(" ".join(_street_parts(tagged)))
    city = _clean(tagged.get("PlaceName"))
    if postal and (city is None or not _is_zip_city(city, postal)) and street:
        # usaddress can split "1234 Harmony Place La Crescenta" as street "… Place La".
        resplit = _split_trailing_city(f"{street} {city or ''}", postal)
        if resplit is not None:
            street, city = resplit
    return ParsedAddress(street, city, state_code(tagged.get("StateName")), postal, line)


def _street_parts(tagged: dict[str, str]) -> list[str]:
    """The street's labelled parts, in order, up to where the city, state or ZIP code begins.

    Whatever follows the place (a phone number, "USA") is not part of the street.
    """
    parts: list[str] = []
    for label, value in tagged.items():
        if label in _PLACE_LABELS:
            break
        if label not in _NOT_STREET_LABELS:
            parts.append(value)
    return parts


def _parse_by_pattern(line: str) -> ParsedAddress:
    """Read the ZIP and state from the end of a line, then split city from street."""
    rest = _TRAILING_COUNTRY.sub("", line)
    postal: str | None = None
    state: str | None = None
    for _ in range(2):  # "… NY 10038" and "… 95670 CA"
        match = _LAST_TOKEN.search(rest)
        if match is None:
            break
        if postal is None and (code := zip5(match.group(1))):
            postal, rest = code, rest[: match.start()]
        elif state is None and (found := _trailing_state(rest)):
            state, rest = found
        else:
            break
    pieces = [piece.strip() for piece in rest.split(",") if piece.strip()]
    street: str | None = _clean(" ".join(pieces))
    city: str | None = None
    if len(pieces) > 1 and not any(char.isdigit() for char in pieces[-1]):
        street, city = _clean(" ".join(pieces[:-1])), _clean(pieces[-1])
    elif street and postal:
        street, city = _split_trailing_city(street, postal) or (street, None)
    return ParsedAddress(street, city, state, postal, line)


def _trailing_state(text: str) -> tuple[str, str] | None:
    """A state code or name ending `text`, with the text before it."""
    words = text.rstrip(" ,.").split()
    for count in range(1, min(_LONGEST_STATE_WORDS, len(words)) + 1):
        code = state_code(" ".join(words[-count:]).strip(","))
        if code is not None:
            return code, " ".join(words[:-count])
    return None


def _split_trailing_city(text: str, postal: str) -> tuple[str, str] | None:
    """Split "59 ST JAMES PLACE NEW YORK" into street and a city the ZIP code accepts."""
    words = text.replace(",", " ").split()
    for count in range(min(_LONGEST_CITY_WORDS, len(words) - 1), 0, -1):
        candidate = " ".join(words[-count:])
        if _is_zip_city(candidate, postal):
            return " ".join(words[:-count]), candidate
    return None


def _is_zip_city(city: str, postal: str) -> bool:
    """Whether `city` is one of the names the ZIP code's city goes by."""
    return any(same_city(city, name) for name in zip_cities(postal))


def _one_line(address: str | None) -> str | None:
    """A printed address on one line: line breaks become commas, whitespace collapsed."""
    if address is None:
        return None
    return _clean(", ".join(line for line in address.splitlines() if line.strip()))


def _clean(text: str | None) -> str | None:
    """Whitespace collapsed and stray edge punctuation dropped; None when nothing is left."""
    if text is None:
        return None
    cleaned = " ".join(text.split()).strip(" ,;")
    return cleaned or None
