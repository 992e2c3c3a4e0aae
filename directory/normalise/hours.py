"""Opening hours as printed ("Mo-Fr 09:00-17:00", "Monday – Friday: 9 am – 5 pm", "Sunday:
Closed") in one vocabulary: a day (`DAYS`) with the 24-hour times it opens and closes.

Only what is stated is kept. A day "Closed" has no hours. A span that runs past midnight
("Fri 6pm–2am", "Fr 18:00-02:00") is kept under the day it opens, with a `closes` earlier than its
`opens`: it closes on the next day. Times without am/pm are read as people write them: on the
24-hour clock when one of them says so (an hour of 0 or above 12, or a leading zero: "09:00"),
else on the 12-hour clock, where a span closing at or before the hour it opens closes in the
afternoon ("9–5" is 09:00–17:00, "8:00–5:30" 08:00–17:30) and one ending at 12 ends at noon.
Both with minutes and closing later, they read as written ("9:00–11:30"), unless that would open
in the small hours ("1:00–5:00" is more likely an afternoon than a night). With am/pm on one
time only, the other takes the same half of the day unless the span would then run backwards
("9–5pm" is 09:00–17:00, "1–5pm" 13:00–17:00, "9am–5" 09:00–17:00). A day that closes at its end
closes at "24:00" ("Mo-Su 00:00-24:00"). What is left is counted as unreadable, never guessed at:
a span that opens and closes at the same time, "9–11" or "1–5" (morning or evening is not said),
a text with no day and time in it.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
_DAY_WORDS = {
    "mo": ("mo", "mon", "monday", "lu", "lun", "lunes"),
    "tu": ("tu", "tue", "tues", "tuesday", "ma", "mar", "martes"),
    "we": ("we", "wed", "wednesday", "mi", "mie", "miercoles"),
    "th": ("th", "thu", "thur", "thurs", "thursday", "ju", "jue", "jueves"),
    "fr": ("fr", "fri", "friday", "vi", "vie", "viernes"),
    "sa": ("sa", "sat", "saturday", "sab", "sabado"),
    "su": ("su", "sun", "sunday", "do", "dom", "domingo"),
}
_DAY_OF = {word: day for day, words in _DAY_WORDS.items() for word in words}
_DAY = "(?:" + "|".join(sorted(_DAY_OF, key=len, reverse=True)) + ")"
_TO = r"\s*(?:-|–|—|to|through|thru|a|al)\s*"
_DAY_SPAN = rf"\b{_DAY}\b\.?(?:{_TO}\b{_DAY}\b\.?)?"
_TIME = r"\d{1,2}(?:[:.h]\d{2})?\s*(?:[ap]\.?\s?m\b\.?)?"
_TIME_SPAN = rf"{_TIME}{_TO}{_TIME}"
_CLOSED = r"closed|cerrado"
_STATEMENT = re.compile(
    rf"(?P<days>{_DAY_SPAN}(?:\s*(?:,|&|and|y)\s*{_DAY_SPAN})*)\s*[:,]?\s*"
    rf"(?P<times>{_TIME_SPAN}(?:\s*(?:,|&|and|y)\s*{_TIME_SPAN})*|{_CLOSED})",
    re.IGNORECASE,
)
_DAY_SPAN_RE = re.compile(rf"\b(?P<first>{_DAY})\b\.?(?:{_TO}\b(?P<last>{_DAY})\b)?", re.IGNORECASE)
_TIME_RE = re.compile(
    r"(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?\s*(?:(?P<meridiem>[ap])\.?\s?m\.?)?",
    re.IGNORECASE,
)
_TIME_SPAN_RE = re.compile(rf"(?P<opens>{_TIME}){_TO}(?P<closes>{_TIME})", re.IGNORECASE)
_CLOSED_RE = re.compile(_CLOSED, re.IGNORECASE)
_NAMES_DAY = re.compile(rf"\b{_DAY}\b", re.IGNORECASE)
_MENTIONS_HOURS = re.compile(
    rf"\b{_DAY}\b|\d{{1,2}}(?::\d{{2}}|\s*[ap]\.?\s?m\b|\s*[-–—]\s*\d{{1,2}}\b)|{_CLOSED}",
    re.IGNORECASE,
)


@dataclass(frozen=True, order=True)
class OpeningHours:
    """One day's opening, in 24-hour "HH:MM" times; never `opens == closes`.

    `closes` before `opens` closes on the next day: `fr 18:00–02:00` is Friday night.
    """

    day: str
    opens: str
    closes: str

    @property
    def overnight(self) -> bool:
        """Whether it closes on the next day (past midnight)."""
        return self.closes < self.opens

    def as_dict(self) -> dict[str, str]:
        """The JSON form stored and published."""
        return {"day": self.day, "opens": self.opens, "closes": self.closes}


def read_hours(texts: Iterable[str]) -> tuple[tuple[OpeningHours, ...], int]:
    """The opening hours the texts state, in week order, and how many were unreadable.

    An unreadable statement (or a text stating none) counts once and adds nothing.
    """
    hours: set[OpeningHours] = set()
    unreadable = 0
    for text in texts:
        statements = list(_STATEMENT.finditer(_plain(text)))
        unreadable += not statements
        for statement in statements:
            read = _statement_hours(statement.group("days"), statement.group("times"))
            if read is None:
                unreadable += 1
            else:
                hours |= read
    return tuple(sorted(hours, key=lambda h: (DAYS.index(h.day), h.opens))), unreadable


def names_day(text: str) -> bool:
    """Whether a text names a day of the week ("Monday", "Sat", "sábado")."""
    return bool(_NAMES_DAY.search(_plain(text)))


def mentions_hours(text: str) -> bool:
    """Whether a text names a day, a time of day ("9:00", "5 pm", "9–5") or a closing."""
    return bool(_MENTIONS_HOURS.search(_plain(text)))


def _plain(text: str) -> str:
    """Accents dropped ("sábado" is "sabado") and case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _statement_hours(days_text: str, times_text: str) -> set[OpeningHours] | None:
    """The hours of one statement ("Mon–Thu 8:30am – 4:30pm"); None if a span is unreadable."""
    days = [day for span in _DAY_SPAN_RE.finditer(days_text) for day in _days(span)]
    if _CLOSED_RE.fullmatch(times_text.strip()):
        return set()
    spans = []
    for span in _TIME_SPAN_RE.finditer(times_text):
        times = _span(span.group("opens"), span.group("closes"))
        if times is None:
            return None
        spans.append(times)
    return {OpeningHours(day, opens, closes) for day in days for opens, closes in spans}


def _days(span: re.Match[str]) -> list[str]:
    """The days a span names: one day, or a range that may wrap past Sunday ("Sa-Mo")."""
    first = DAYS.index(_DAY_OF[span.group("first")])
    last_word = span.group("last")
    last = DAYS.index(_DAY_OF[last_word]) if last_word else first
    return [DAYS[(first + step) % len(DAYS)] for step in range((last - first) % len(DAYS) + 1)]


def _span(opens_text: str, closes_text: str) -> tuple[str, str] | None:
    """A span's 24-hour times; None unless it reads one way only (see the module's docstring)."""
    opens, closes = _TIME_RE.fullmatch(opens_text.strip()), _TIME_RE.fullmatch(closes_text.strip())
    if opens is None or closes is None:
        return None
    marked = {bool(opens.group("meridiem")), bool(closes.group("meridiem"))}
    if marked == {True, False}:
        return _half_marked_span(opens, closes)
    if marked == {False} and not (_twenty_four_hour(opens) or _twenty_four_hour(closes)):
        return _twelve_hour_span(opens, closes)
    first, last = _clock(opens), _clock(closes, closing=True)
    if first is None or last is None or first == last:
        return None
    return first, last


def _half_marked_span(opens: re.Match[str], closes: re.Match[str]) -> tuple[str, str] | None:
    """A span with am/pm on one time only: the other in the same half of the day, or in the
    other half when the same would make the span run backwards ("9–5pm", "9am–5", "10pm–2")."""
    printed = (opens.group("meridiem") or closes.group("meridiem")).lower()
    first, last = _clock(opens, printed), _clock(closes, printed)
    if first is not None and last is not None and first < last:
        return first, last
    other = "a" if printed == "p" else "p"
    first, last = _clock(opens, other), _clock(closes, other)
    if first is None or last is None or first == last:
        return None
    return first, last


def _twenty_four_hour(time: re.Match[str]) -> bool:
    """Whether a time without am/pm can only be on the 24-hour clock ("0:30", "17:00", "09:00")."""
    hour = time.group("hour")
    return hour.startswith("0") or int(hour) > 12


def _twelve_hour_span(opens: re.Match[str], closes: re.Match[str]) -> tuple[str, str] | None:
    """A span without am/pm on the 12-hour clock: the morning to the afternoon when it closes at
    or before the hour it opens ("9–5"), up to noon when it ends at 12 ("9–12"); spans of one
    half of the day that do not say which ("9–11", "1–5") are None, unless both give minutes
    ("9:00–11:30", read as the 24-hour clock, as always)."""
    if max(int(time.group("minute") or 0) for time in (opens, closes)) > 59:
        return None
    opening, closing = _minutes(opens), _minutes(closes)
    if closing <= opening:
        closing += 12 * 60 if int(closes.group("hour")) < 12 else 0
    elif int(closes.group("hour")) != 12 and not (opens.group("minute") and closes.group("minute")):
        return None
    elif opening < _SMALL_HOURS_END:
        return None  # "1:00–5:00" as written would open at night
    if not opening < closing < 24 * 60:
        return None
    return _hh_mm(opening), _hh_mm(closing)


_SMALL_HOURS_END = 6 * 60
"""No opening read without am/pm is put before 6 am."""


def _minutes(time: re.Match[str]) -> int:
    """A 12-hour time's minutes after midnight, as a morning's (12 is noon)."""
    return int(time.group("hour")) * 60 + int(time.group("minute") or 0)


def _hh_mm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _clock(time: re.Match[str], half: str = "", *, closing: bool = False) -> str | None:
    """A time as "HH:MM" on the 24-hour clock, if it is one; `half` ("a" or "p") stands for an
    am/pm the time does not print, and a closing time may be the day's end, "24:00"."""
    hour, minute = int(time.group("hour")), int(time.group("minute") or 0)
    meridiem = (time.group("meridiem") or half).lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if closing and (hour, minute) == (24, 0):
        return "24:00"
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"
