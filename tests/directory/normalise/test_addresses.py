"""Address parsing: one printed line, schema.org parts, or both."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.normalise.addresses import ParsedAddress, parse_address, zip5


def test_parse_address_splits_a_one_line_address_keeping_the_suite():
    assert parse_address("1201 W 6th St, Suite 200, Austin, TX 78703") == ParsedAddress(
        street="1201 W 6th St Suite 200",
        city="Austin",
        state="TX",
        postal_code="78703",
        raw="1201 W 6th St, Suite 200, Austin, TX 78703",
    )


def test_parse_address_takes_schema_org_parts():
    parsed = parse_address(
        street="1201 W 6th St Ste 200", city="Austin", region="Texas", postal_code="787031234"
    )
    assert (parsed.street, parsed.city, parsed.state, parsed.postal_code) == (
        "1201 W 6th St Ste 200",
        "Austin",
        "TX",
        "78703",
    )
    assert parsed.raw == "1201 W 6th St Ste 200, Austin, Texas, 787031234"


def test_parse_address_writes_streets_alike_from_a_line_and_from_parts():
    from_parts = parse_address(street="1201 W 6th St, Suite 200", city="Austin", region="TX")
    from_line = parse_address("1201 W 6th St, Suite 200, Austin, TX 78703")
    assert from_parts.street == from_line.street == "1201 W 6th St Suite 200"


def test_parse_address_lets_parts_win_and_the_line_fill_gaps():
    parsed = parse_address("1201 W 6th St, Austin, TX 78703", city="AUSTIN", postal_code="78701")
    assert (parsed.street, parsed.city, parsed.state, parsed.postal_code) == (
        "1201 W 6th St",
        "AUSTIN",
        "TX",
        "78701",
    )


@pytest.mark.parametrize(
    ("line", "street", "city", "state", "postal_code"),
    [
        # usaddress raises RepeatedLabelError on these two (datamade/usaddress issues).
        ("59 ST JAMES PLACE NEW YORK NY 10038", "59 ST JAMES PLACE", "NEW YORK", "NY", "10038"),
        (
            "10600 FOLSOM BLVD RANCHO CORDOVA 95670 CA",
            "10600 FOLSOM BLVD",
            "RANCHO CORDOVA",
            "CA",
            "95670",
        ),
        # usaddress parses this one silently wrong (city "Crescenta").
        (
            "1234 Harmony Place La Crescenta CA 91214",
            "1234 Harmony Place",
            "La Crescenta",
            "CA",
            "91214",
        ),
        ("PO Box 123, Fargo, ND 58102-1234", "PO Box 123", "Fargo", "ND", "58102"),
        ("123 Main St\nAustin, TX 78701", "123 Main St", "Austin", "TX", "78701"),
        (
            "1201 W 6th St, Suite 200, Austin, TX 78703, USA",
            "1201 W 6th St Suite 200",
            "Austin",
            "TX",
            "78703",
        ),
        ("Austin, Texas 78701", None, "Austin", "TX", "78701"),
        (
            "Hill Country Ketamine & Wellness 315 E Commerce St San Antonio, TX 78205 210-555-0123",
            "315 E Commerce St",
            "San Antonio",
            "TX",
            "78205",
        ),
    ],
)
def test_parse_address_reads_awkward_real_addresses(line, street, city, state, postal_code):
    parsed = parse_address(line)
    assert (parsed.street, parsed.city, parsed.state, parsed.postal_code) == (
        street,
        city,
        state,
        postal_code,
    )
    assert parsed.raw == " ".join(line.replace("\n", ", ").split())


def test_parse_address_takes_the_state_from_the_zip_code_when_none_is_printed():
    assert parse_address("123 Main St, Austin 78701").state == "TX"


@pytest.mark.parametrize("junk", ["junk", "call for directions", "!!!", "Suite"])
def test_parse_address_keeps_junk_as_raw(junk):
    parsed = parse_address(junk)
    assert parsed.raw == junk
    assert parsed.state is None
    assert parsed.postal_code is None


def test_parse_address_of_nothing_is_empty():
    assert parse_address() == ParsedAddress(None, None, None, None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("78703", "78703"),
        ("78703-1234", "78703"),
        ("787031234", "78703"),
        ("O6424", "06424"),  # the letter O for zero, as in Connecticut's roster files
        ("1O573-325O", "10573"),
        ("7870", None),
        ("00000", None),
        ("ZIP", None),
        (None, None),
    ],
)
def test_zip5(text, expected):
    assert zip5(text) == expected


_address_words = st.sampled_from(
    ["123", "Main", "St", "Suite", "200", "#4", ",", "Austin", "TX", "Texas", "78701", "New",
     "York", "NY", "10038-1234", "PO", "Box", "Saint", "Louis", "MO", "CA", "95670", "\n"]
)  # fmt: skip


@given(
    st.one_of(st.none(), st.text(), st.lists(_address_words).map(" ".join)),
    st.one_of(st.none(), st.text(max_size=30)),
    st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["Texas", "TX", "ny"])),
    st.one_of(st.none(), st.text(max_size=12), st.from_regex(r"\d{5}(-?\d{4})?", fullmatch=True)),
)
def test_parse_address_never_raises_and_stays_in_vocabulary(line, city, region, postal_code):
    parsed = parse_address(line, city=city, region=region, postal_code=postal_code)
    assert parsed.state is None or (len(parsed.state) == 2 and parsed.state.isupper())
    assert parsed.postal_code is None or (
        len(parsed.postal_code) == 5 and parsed.postal_code.isdigit()
    )
    for part in (parsed.street, parsed.city, parsed.raw):
        assert part is None or (part.strip() and part == " ".join(part.split()))
