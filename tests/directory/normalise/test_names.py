"""Clinicians' names, credentials and the licence types they imply."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.normalise.names import (
    PersonName,
    fold_name,
    generational_suffix,
    license_types_for,
    name_key,
    normalise_credential,
    parse_credentials,
    parse_person,
)
from directory.normalise.records import NormaliseError
from directory.vocab import LicenseType
from tests.directory.normalise.helpers import outcome


@pytest.mark.parametrize(
    ("written", "credentials", "parts", "display"),
    [
        ("Jane Q. Doe, MD", None, ("Jane", "Q.", "Doe", ("MD",)), "Jane Q. Doe, MD"),
        ("Dr. Raj Patel", "M.D.", ("Raj", None, "Patel", ("MD",)), "Raj Patel, MD"),
        (
            "Maria Lopez, DNP, PMHNP-BC",
            None,
            ("Maria", None, "Lopez", ("DNP", "PMHNP-BC")),
            "Maria Lopez, DNP, PMHNP-BC",
        ),
        ("John Smith, CRNA", None, ("John", None, "Smith", ("CRNA",)), "John Smith, CRNA"),
        ("Emily Chen, PA-C", None, ("Emily", None, "Chen", ("PA-C",)), "Emily Chen, PA-C"),
        ("Robert Kim, D.O.", None, ("Robert", None, "Kim", ("DO",)), "Robert Kim, DO"),
        ("JOHN SMITH MD", None, ("JOHN", None, "SMITH", ("MD",)), "John Smith, MD"),
        ("Sam Rivera, LPC", None, ("Sam", None, "Rivera", ("LPC",)), "Sam Rivera, LPC"),
    ],
)
def test_parse_person_splits_names_as_clinic_sites_print_them(written, credentials, parts, display):
    first, middle, last, found = parts
    assert parse_person(written, credentials) == PersonName(
        first, middle, last, None, found, display
    )


@pytest.mark.parametrize(
    ("written", "first", "middle", "last"),
    [
        ("DOE, JANE Q", "JANE", "Q", "DOE"),
        ("Jane Doe LMFT", "Jane", None, "Doe"),
        ("Maria Lopez PMHNP", "Maria", None, "Lopez"),
        ("Jane Doe, CNS", "Jane", None, "Doe"),  # not read as "Last, First"
        ("Juan de la Cruz, MD", "Juan", None, "de la Cruz"),
        ("Dr. Patel", None, None, "Patel"),
    ],
)
def test_parse_person_finds_the_surname(written, first, middle, last):
    name = parse_person(written)
    assert (name.first, name.middle, name.last) == (first, middle, last)


@pytest.mark.parametrize(
    "written", ["John Smith Jr., MD", "John Smith, Jr., MD", "JOHN SMITH, JR. MD"]
)
def test_parse_person_keeps_generational_suffixes_apart_from_credentials(written):
    name = parse_person(written)
    assert (name.last.upper(), name.suffix.upper(), name.credentials) == ("SMITH", "JR.", ("MD",))
    assert name.display == "John Smith Jr., MD"


def test_parse_person_does_not_take_a_generational_suffix_for_a_credential():
    name = parse_person("JOHN SMITH, JR.")
    assert (name.suffix, name.credentials) == ("JR.", ())


def test_parse_person_merges_credentials_from_the_name_and_the_credentials_text():
    name = parse_person("Dr. Ann Marie Lee-Park, M.D.", "MD, Ph.D.")
    assert name.credentials == ("MD", "PHD")


def test_parse_person_shows_the_title_only_without_credentials():
    assert parse_person("DR. JANE DOE").display == "Dr. Jane Doe"


@pytest.mark.parametrize("written", ["", "   ", "MD", "Dr.", ", MD"])
def test_parse_person_refuses_a_name_without_a_surname(written):
    with pytest.raises(NormaliseError) as caught:
        parse_person(written)
    assert caught.value.reason == "missing_name"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("M.D.", "MD"),
        ("D.O.", "DO"),
        ("PA-C", "PA-C"),
        ("N.P.", "NP"),
        ("Ph.D.", "PHD"),
        ("pa–c", "PA-C"),
    ],
)
def test_normalise_credential(raw, expected):
    assert normalise_credential(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("APRN, FNP-BC", ("APRN", "FNP-BC")),
        ("MD/PhD", ("MD", "PHD")),
        ("M. D.", ("MD",)),
        ("MD, MD", ("MD",)),
        ("Board Certified Psychiatrist", ()),
        ("", ()),
        (None, ()),
    ],
)
def test_parse_credentials(text, expected):
    assert parse_credentials(text) == expected


@pytest.mark.parametrize(
    ("credentials", "types"),
    [
        (["MD"], {LicenseType.MD}),
        (["D.O."], {LicenseType.DO}),
        (["NP"], {LicenseType.NP}),
        (["APRN"], {LicenseType.NP}),
        (["FNP-BC"], {LicenseType.NP}),
        (["PMHNP-BC"], {LicenseType.NP}),
        (["AGNP-C"], {LicenseType.NP}),
        (["DNP"], set()),  # a doctorate, not a licence
        (["DNP", "PMHNP-BC"], {LicenseType.NP}),
        (["PA"], {LicenseType.PA}),
        (["PA-C"], {LicenseType.PA}),
        (["CRNA"], {LicenseType.CRNA}),
        (["APRN", "CRNA"], {LicenseType.CRNA}),  # the umbrella title names no second licence
        (["RN", "BSN"], {LicenseType.RN}),
        (["LPC"], {LicenseType.LPC}),
        (["LCSW"], {LicenseType.LCSW}),
        (["LMFT"], {LicenseType.LMFT}),
        (["PsyD"], {LicenseType.PSYCHOLOGIST}),
        (["PhD"], {LicenseType.PSYCHOLOGIST}),
        (["MD", "PhD"], {LicenseType.MD}),
        (["PhD", "LPC"], {LicenseType.LPC}),
        (["MBA", "FACP"], set()),
    ],
)
def test_license_types_for(credentials, types):
    assert license_types_for(credentials) == types


def test_fold_name_keeps_only_ascii_letters():
    assert fold_name("Álvarez-O'Neil Jr.") == "alvarezoneiljr"
    assert fold_name("DE LA CRUZ") == fold_name("de la Cruz") == "delacruz"
    assert fold_name(None) == fold_name("") == ""


def test_name_key_is_ascii_letters_last_then_first():
    assert name_key("José", "O'Neil-Smith") == "oneilsmith|jose"
    assert name_key("JANE", "DOE") == name_key("jane", "Doe") == "doe|jane"
    assert name_key(None, "Doe") == "doe|"


_name_words = st.sampled_from(
    ["Jane", "Q.", "Doe", "DOE", ",", "MD", "M.D.", "Dr.", "PMHNP-BC", "Jr.", "de", "la", "O'Neil",
     "José", "PhD", "(Jo)", "III", "LPC", "&"]
)  # fmt: skip


@given(st.one_of(st.text(), st.lists(_name_words).map(" ".join)), st.one_of(st.none(), st.text()))
def test_parse_person_gives_a_surname_or_missing_name(written, credentials):
    name = outcome(parse_person, written, credentials)
    if isinstance(name, str):
        assert name == "missing_name"
    else:
        assert name.last.strip()
        assert all(c == normalise_credential(c) and c for c in name.credentials)
        assert len(set(name.credentials)) == len(name.credentials)


@given(st.lists(st.text(max_size=12)))
def test_license_types_for_stays_in_the_vocabulary(credentials):
    assert all(isinstance(t, LicenseType) for t in license_types_for(credentials))


@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()))
def test_name_key_is_lowercase_ascii_letters(first, last):
    last_part, _, first_part = name_key(first, last).partition("|")
    for part in (last_part, first_part):
        assert all("a" <= char <= "z" for char in part)


@pytest.mark.parametrize(
    ("text", "suffix"),
    [
        ("Jr.", "JR"),
        ("jr", "JR"),
        ("Sr.", "SR"),
        ("HALE JR", "JR"),
        ("Reed III", "III"),
        ("2nd", "II"),
        ("Junior", "JR"),
        ("SMITH, JOHN JR", "JR"),
        ("Hale", None),
        ("--", None),
        ("", None),
        (None, None),
    ],
)
def test_generational_suffix_is_read_in_canonical_form(text, suffix):
    assert generational_suffix(text) == suffix
