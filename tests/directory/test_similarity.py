"""Name similarity: what makes two names one person's, and what makes them two."""

import pytest

from directory.licensing.similarity import THRESHOLD, NameParts, score_names


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
