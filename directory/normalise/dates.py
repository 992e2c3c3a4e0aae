"""Dates as licence tables and the LEIE print them.

A blank or a published "no date" sentinel gives None. Anything else that is not one of the known
shapes raises `NormaliseError("bad_date", …)`: an expiry date we cannot read must not quietly turn
into "no expiry", so the caller decides what to do with the item.
"""

import re
from datetime import date

from directory.normalise.records import NormaliseError

_NO_DATE = frozenset(
    {"", "--", "00000000", "0000-00-00", "00/00/0000", "N/A", "NA", "NONE", "NULL"}
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_ISO_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?", re.ASCII
)
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)


def parse_date(raw: str | None) -> date | None:
    """A calendar date from ISO, Socrata floating timestamps, MM/DD/YYYY or YYYYMMDD text."""
    if raw is None:
        return None
    text = raw.strip()
    if text.upper() in _NO_DATE:
        return None
    try:
        return _parse(text)
    except ValueError:
        raise NormaliseError("bad_date", repr(raw)) from None


def _parse(text: str) -> date:
    """The date in one of the known shapes; ValueError for anything else."""
    if _ISO_DATE.fullmatch(text):
        return date.fromisoformat(text)
    if match := _ISO_DATETIME.fullmatch(text):
        # The calendar date as published: a floating timestamp has no zone to convert from.
        return date.fromisoformat(match.group(1))
    if match := _US_DATE.fullmatch(text):
        month, day, year = (int(part) for part in match.groups())
        return date(year, month, day)
    if match := _COMPACT_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
        return date(year, month, day)
    raise ValueError(text)
