"""National Provider Identifiers: the ten-digit number with a Luhn check digit."""

import re

_NPI = re.compile(r"[12]\d{9}", re.ASCII)
_CARD_ISSUER_PREFIX = "80840"
"""NPIs are checked as if prefixed by the health-industry card issuer number (ISO 7812)."""


def valid_npi(text: str | int | None) -> str | None:
    """The NPI in `text` if it is ten digits with a valid check digit, else None."""
    if text is None:
        return None
    candidate = str(text).strip()
    if not _NPI.fullmatch(candidate):
        return None
    return candidate if _luhn_valid(_CARD_ISSUER_PREFIX + candidate) else None


def _luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn (mod 10) check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0
