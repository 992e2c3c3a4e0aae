"""NPI validation by the Luhn check with the 80840 prefix."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.normalise.npi import valid_npi


@pytest.mark.parametrize(
    "text", ["1760485387", "1720377294", 1720377294, " 1134286958 ", "1972902351"]
)
def test_valid_npi_accepts_real_numbers_from_nppes_and_the_leie(text):
    assert valid_npi(text) == str(text).strip()


@pytest.mark.parametrize(
    "text", ["1760485388", "0000000000", "176048538", "17604853870", "176048538X", "", None]
)
def test_valid_npi_rejects_bad_check_digits_sentinels_and_wrong_lengths(text):
    assert valid_npi(text) is None


@given(st.from_regex(r"[12][0-9]{8}", fullmatch=True))
def test_valid_npi_accepts_exactly_one_check_digit_per_base(base):
    assert sum(valid_npi(f"{base}{digit}") is not None for digit in range(10)) == 1


@given(st.one_of(st.none(), st.text(), st.integers()))
def test_valid_npi_returns_ten_digits_or_none(text):
    result = valid_npi(text)
    assert result is None or (len(result) == 10 and result.isdigit())
