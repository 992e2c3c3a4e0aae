"""The local web's calendar: its data describes one day, and is served as if that day were today.

Licence expiries and exclusion dates are written relative to `DATA_DATE`. Serving every date
moved by the days since then keeps each fact true whenever the demo or the tests run: an active
licence still expires in nine months, an expired one lapsed last spring.
"""

import re
from datetime import date, timedelta

DATA_DATE = date(2026, 11, 25)

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")  # 2027-08-31, in timestamps too
_US = re.compile(r"(?<![\d/])(\d{2})/(\d{2})/(\d{4})(?![\d/])")  # 08/31/2027, Socrata CSV exports
_LEIE = re.compile(r'"(\d{4})(\d{2})(\d{2})"')  # "20240115", the LEIE file's quoted dates


def shift_for(today: date) -> timedelta:
    """How far the data's dates move to be served on `today`."""
    return today - DATA_DATE


def shift_dates(text: str, shift: timedelta) -> str:
    """Every date in the text moved by `shift` (sentinels such as 00000000 stay as they are)."""
    if not shift:
        return text

    def moved(year: str, month: str, day: str) -> date | None:
        try:
            return date(int(year), int(month), int(day)) + shift
        except ValueError:
            return None

    def iso(match: re.Match[str]) -> str:
        day = moved(*match.groups())
        return day.isoformat() if day else match.group(0)

    def us(match: re.Match[str]) -> str:
        month, day_of_month, year = match.groups()
        day = moved(year, month, day_of_month)
        return day.strftime("%m/%d/%Y") if day else match.group(0)

    def leie(match: re.Match[str]) -> str:
        day = moved(*match.groups())
        return f'"{day:%Y%m%d}"' if day else match.group(0)

    return _LEIE.sub(leie, _US.sub(us, _ISO.sub(iso, text)))
