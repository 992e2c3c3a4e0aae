"""Name similarity: what makes two names one person's, and what makes them two."""

import pytest

from directory.licensing.similarity import (
    CANDIDATE_FLOOR,
    THRESHOLD,
    NameParts,
    blocking_sounds,
    score_names,
)
from directory.normalise.names import surname_sound


@pytest.mark.parametrize(
    ("clinician", "holder", "same"),
    [
        (NameParts("John", None, "Smith", "JR"), NameParts("JOHN", None, "SMITH JR", "JR"), True),
        (NameParts("John", None, "Smith", "JR"), NameParts("JOHN", None, "SMITH", None), True),
        (NameParts("John", None, "Smith", None), NameParts("JOHN", None, "SMITH SR", "SR"), True),
        (NameParts("John", None, "Smith", "JR"), NameParts("JOHN", None, "SMITH SR", "SR"), False),
        (NameParts("Thomas", None, "Reed", "II"), NameParts("THOMAS", None, "REED", "III"), False),
    ],
)
def test_differing_generational_suffixes_mean_two_people(clinician, holder, same):
    fit = score_names(clinician, holder)
    assert (fit.score >= THRESHOLD) is same, fit
    if not same:
        assert fit.why.startswith("suffixes differ")


@pytest.mark.parametrize(
    ("mine", "theirs", "candidate"),
    [
        ("Kowalsky", "KOWALSKI", True),
        ("Mcdonald", "MACDONALD", True),
        ("Petersen", "PETERSON", True),
        ("Phillips", "FILIPS", False),  # sound alike, spelled too far apart
        ("Chen", "CHAN", False),  # short keys block nothing
    ],
)
def test_a_misspelt_surname_fits_only_as_a_candidate(mine, theirs, candidate):
    fit = score_names(NameParts("Anna", None, mine), NameParts("ANNA", None, theirs))
    assert fit.score < THRESHOLD
    assert (fit.score >= CANDIDATE_FLOOR) is candidate, fit


def test_misspellings_meet_under_one_phonetic_key():
    assert blocking_sounds(NameParts("Anna", None, "Kowalsky")) == {"KWLSK"}
    assert surname_sound("kowalski") == "KWLSK"
    assert surname_sound("macdonald") == surname_sound("mcdonald")
    assert surname_sound("ng") is None
