"""Opening hours as sites print them, in the one vocabulary of days and 24-hour times."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.normalise.hours import DAYS, OpeningHours, read_hours

WEEKDAYS = [OpeningHours(day, "09:00", "17:00") for day in DAYS[:5]]
CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Mo-Fr 09:00-17:00", WEEKDAYS),
        ("Monday–Friday: 9 am – 5 pm", WEEKDAYS),
        ("Monday, Tuesday, Wednesday, Thursday, Friday 09:00-17:00", WEEKDAYS),
        ("Mon. - Fri. 9 a.m. to 5 p.m.", WEEKDAYS),
        ("Lunes a viernes: 9:00 a.m. - 5:00 p.m.", WEEKDAYS),
        ("Monday–Friday: 9am–5pm", WEEKDAYS),
        ("Sat 10:00–14:00", [OpeningHours("sa", "10:00", "14:00")]),
        ("Sábado 10:00–14:00", [OpeningHours("sa", "10:00", "14:00")]),
        ("Sa-Mo 10:00-12:00", [OpeningHours(d, "10:00", "12:00") for d in ("mo", "sa", "su")]),
        (
            "Mo 09:00-12:00, 13:00-17:00",
            [OpeningHours("mo", "09:00", "12:00"), OpeningHours("mo", "13:00", "17:00")],
        ),
        ("Tue 12 pm - 8 pm", [OpeningHours("tu", "12:00", "20:00")]),
    ],
)
def test_printed_hours_are_read_into_days_and_24_hour_times(text, hours):
    assert read_hours([text]) == (tuple(hours), 0)


def test_a_closed_day_is_read_and_adds_no_hours():
    assert read_hours(["Sunday: Closed", "Domingo: cerrado"]) == ((), 0)


@pytest.mark.parametrize(
    "text",
    [
        "Saturday By appointment",  # no times
        "9am–5pm",  # no day
        "Monday 8:00–5:00",  # no am/pm and it would close before it opens
        "Friday 22:00-02:00",  # past midnight
        "Monday 9-5",  # neither minutes nor am/pm
        "Monday 9 - 5pm",  # only one time says pm
        "Monday 25:00-26:00",
        "Monday 08:00-08:00",
    ],
)
def test_unreadable_hours_are_counted_never_guessed(text):
    assert read_hours([text]) == ((), 1)


def test_hours_stated_twice_are_kept_once_in_week_order():
    hours, unreadable = read_hours(["Sa 10:00-14:00", "Mo-Fr 09:00-17:00", "Monday 9am-5pm"])
    assert hours == (*WEEKDAYS, OpeningHours("sa", "10:00", "14:00"))
    assert unreadable == 0


@given(st.lists(st.text(max_size=60), max_size=4))
def test_any_text_gives_hours_in_the_vocabulary_or_a_count(texts):
    hours, unreadable = read_hours(texts)
    assert unreadable <= len(texts) * 60
    for opening in hours:
        assert opening.day in DAYS
        assert CLOCK.fullmatch(opening.opens)
        assert CLOCK.fullmatch(opening.closes)
        assert opening.opens < opening.closes


TIME = st.builds(
    "{}{}{}".format,
    st.integers(0, 30).map(str),
    st.sampled_from(["", ":00", ":30", ":75", ".15", "h00"]),
    st.sampled_from(["", "am", " pm", " a.m.", "PM"]),
)
DAY = st.sampled_from(["Mo", "Monday", "tue", "Wed.", "jueves", "Sáb", "sun", "Fr"])


@given(DAY, st.sampled_from(["-", "–", " to ", " a "]), DAY, TIME, TIME)
def test_hours_shaped_texts_stay_in_the_vocabulary(first, to, last, opens, closes):
    hours, unreadable = read_hours([f"{first}{to}{last}: {opens} – {closes}"])
    assert bool(hours) != bool(unreadable)
    assert all(o.day in DAYS and CLOCK.fullmatch(o.opens) and o.opens < o.closes for o in hours)
