"""Opening hours as sites print them, in the one vocabulary of days and 24-hour times."""

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from directory.normalise.hours import DAYS, OpeningHours, read_hours

WEEKDAYS = [OpeningHours(day, "09:00", "17:00") for day in DAYS[:5]]
CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
CLOSING = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")


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
        ("Fri 6pm–2am", [OpeningHours("fr", "18:00", "02:00")]),
        ("Friday 18:00-02:00", [OpeningHours("fr", "18:00", "02:00")]),
        ("Sat 8 pm - 12 am", [OpeningHours("sa", "20:00", "00:00")]),
        ("Mon–Fri 9–5", WEEKDAYS),
        ("Monday 9-5:30", [OpeningHours("mo", "09:00", "17:30")]),
        ("Monday 8:00–5:00", [OpeningHours("mo", "08:00", "17:00")]),
        ("Sat 10-2", [OpeningHours("sa", "10:00", "14:00")]),
        ("Sat 9-12", [OpeningHours("sa", "09:00", "12:00")]),
        ("Thu 12-4", [OpeningHours("th", "12:00", "16:00")]),
        ("Wed 8-8", [OpeningHours("we", "08:00", "20:00")]),
        ("Lunes a viernes 9 a 5", WEEKDAYS),
        ("Monday–Friday, 9–5", WEEKDAYS),
        ("Monday–Friday 9 - 5pm", WEEKDAYS),
        ("Monday–Friday 9am - 5", WEEKDAYS),
        ("Sat 1-5pm", [OpeningHours("sa", "13:00", "17:00")]),
        ("Fri 10pm-2", [OpeningHours("fr", "22:00", "02:00")]),
        ("Mo-Fr 00:00-24:00", [OpeningHours(day, "00:00", "24:00") for day in DAYS[:5]]),
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
        "Monday 9-11",  # morning or evening is not said
        "Monday 1-5",
        "Monday 12-12",
        "Monday 1:00-5:00",  # as written it would open at night
        "Monday 24:00-08:00",  # the day's end opens nothing
        "Monday 25:00-26:00",
        "Monday 08:00-08:00",  # opens and closes at once
        "Monday 9am-9am",
        "Monday 9:75-5",
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
        assert CLOSING.fullmatch(opening.closes)
        assert opening.opens != opening.closes


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
    assert all(o.day in DAYS and CLOCK.fullmatch(o.opens) and o.opens != o.closes for o in hours)


CLOCK_TIME = st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59))


@given(st.sampled_from(DAYS), CLOCK_TIME, CLOCK_TIME)
def test_the_24_hour_clock_is_read_as_it_is_and_past_midnight_closes_the_next_day(
    day, opens, closes
):
    assume({opens[:2], closes[:2]} - {"10", "11", "12"})  # "10:00-11:00" may be the 12-hour clock
    hours, unreadable = read_hours([f"{day} {opens}-{closes}"])
    if opens == closes:
        assert (hours, unreadable) == ((), 1)
    else:
        assert (hours, unreadable) == ((OpeningHours(day, opens, closes),), 0)
        assert hours[0].overnight == (closes < opens)


@given(
    st.integers(1, 12),
    st.sampled_from(["", ":00", ":15", ":30", ":45"]),
    st.integers(1, 11),
    st.sampled_from(["", ":00", ":15", ":30", ":45"]),
)
def test_a_span_without_am_pm_closing_by_its_opening_hour_runs_into_the_afternoon(
    opening, opening_minutes, closing, closing_minutes
):
    opens, closes = f"{opening}{opening_minutes}", f"{closing}{closing_minutes}"
    assume((closing, closing_minutes or ":00") <= (opening, opening_minutes or ":00"))
    noon = "pm" if opening == 12 else "am"
    assert read_hours([f"Mo {opens}-{closes}"]) == read_hours([f"Mo {opens}{noon}-{closes}pm"])
    assert read_hours([f"Mo {opens}-{closes}"])[1] == 0


@given(st.integers(1, 10).flatmap(lambda hour: st.tuples(st.just(hour), st.integers(hour + 1, 11))))
def test_a_span_without_am_pm_or_minutes_within_half_a_day_is_unreadable(span):
    opening, closing = span
    assert read_hours([f"Mo {opening}-{closing}"]) == ((), 1)


@given(st.integers(6, 11), st.integers(1, 5), st.sampled_from(DAYS))
def test_an_evening_to_the_small_hours_is_the_opening_day_closing_the_next(opens, closes, day):
    (opening,), unreadable = read_hours([f"{day} {opens} pm - {closes} am"])
    assert (opening.day, opening.overnight, unreadable) == (day, True, 0)
    assert (opening.opens, opening.closes) == (f"{opens + 12}:00", f"{closes:02d}:00")


@given(st.integers(1, 12), st.integers(1, 12), st.sampled_from(["am", "pm"]))
def test_am_pm_on_the_closing_time_only_is_the_opening_times_too_unless_that_runs_backwards(
    opening, closing, half
):
    other = "am" if half == "pm" else "pm"
    same = read_hours([f"Mo {opening}{half}-{closing}{half}"])
    expected = same if same[0] and same[0][0].closes > same[0][0].opens else None
    expected = expected or read_hours([f"Mo {opening}{other}-{closing}{half}"])
    assert read_hours([f"Mo {opening}-{closing}{half}"]) == expected
