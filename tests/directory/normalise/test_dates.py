"""Dates from licence tables and the LEIE."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.normalise.dates import parse_date
from directory.normalise.records import NormaliseError
from tests.directory.normalise.helpers import outcome


@pytest.mark.parametrize(
    "raw",
    [
        "2027-08-31",
        "2027-08-31T00:00:00.000",
        "08/31/2027",
        "8/31/2027",
        "20270831",
        " 2027-08-31 ",
    ],
)
def test_parse_date_reads_every_published_shape(raw):
    assert parse_date(raw) == date(2027, 8, 31)


@pytest.mark.parametrize("raw", [None, "", "  ", "--", "00000000", "N/A"])
def test_parse_date_reads_blanks_and_sentinels_as_no_date(raw):
    assert parse_date(raw) is None


@pytest.mark.parametrize("raw", ["31/08/2027", "2027-02-30", "Aug 31 2027", "8/31/27", "20271301"])
def test_parse_date_refuses_a_date_it_cannot_read(raw):
    with pytest.raises(NormaliseError) as caught:
        parse_date(raw)
    assert caught.value.reason == "bad_date"


@given(st.dates())
def test_parse_date_round_trips_each_shape(day):
    for text in (
        day.isoformat(),
        f"{day.year:04d}{day.month:02d}{day.day:02d}",
        f"{day.month}/{day.day}/{day.year:04d}",
    ):
        assert parse_date(text) == day


@given(st.one_of(st.none(), st.text()))
def test_parse_date_gives_a_date_none_or_bad_date(raw):
    result = outcome(parse_date, raw)
    assert result is None or isinstance(result, date) or result == "bad_date"
