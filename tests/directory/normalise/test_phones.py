"""Phone numbers as E.164 keys."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.normalise.phones import to_e164


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(512) 555-0101", "+15125550101"),
        ("512.555.0199 ext. 12", "+15125550199"),
        ("+1 (512) 555-0101 x3", "+15125550101"),
        ("tel:+1-512-555-0101", "+15125550101"),
        ("1-800-273-8255", "+18002738255"),
        ("218-485-4491", "+12184854491"),
    ],
)
def test_to_e164_keys_us_numbers_and_drops_extensions(raw, expected):
    assert to_e164(raw) == expected


@pytest.mark.parametrize(
    "raw", [None, "", "call us", "555-1234", "+44 20 7946 0958", "000-000-0000"]
)
def test_to_e164_gives_none_for_junk_short_and_foreign_numbers(raw):
    assert to_e164(raw) is None


@given(
    st.one_of(st.none(), st.text(), st.from_regex(r"\+?1?[ (]*[2-9]\d\d[) .-]*\d{3}[ .-]*\d{4}"))
)
def test_to_e164_gives_a_north_american_key_or_none(raw):
    result = to_e164(raw)
    assert result is None or (
        result.startswith("+1") and len(result) == 12 and result[1:].isdigit()
    )
