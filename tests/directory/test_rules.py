"""The prescriber rules file: what ships, state overrides, and mistakes named by key."""

from pathlib import Path

import pytest

from directory.licensing.rules import RulesError, default_rules, load_rules
from directory.vocab import LicenseType


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prescribers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rules_let_md_do_np_pa_crna_stand_behind_treatment():
    rules = default_rules()
    assert rules.default.prescribers == {
        LicenseType.MD,
        LicenseType.DO,
        LicenseType.NP,
        LicenseType.PA,
        LicenseType.CRNA,
    }
    for kind in ("LPC", "LCSW", "PSYCHOLOGIST", "RN", "LPN", "OTHER"):
        assert not rules.may_prescribe(kind, "TX")
    assert "supervising" in rules.default.conditions[LicenseType.PA]


def test_a_state_entry_replaces_prescribers_and_adds_conditions(tmp_path):
    rules = load_rules(
        write(
            tmp_path,
            '[default]\nprescribers = ["MD", "DO", "CRNA"]\n'
            '[default.conditions]\nCRNA = "Supervised."\n'
            '[states.OR]\nprescribers = ["MD", "DO"]\n'
            '[states.OR.conditions]\nMD = "Any."\n',
        )
    )
    assert rules.may_prescribe("CRNA", "TX")
    assert not rules.may_prescribe("CRNA", "OR")
    assert rules.for_state("OR").conditions == {
        LicenseType.CRNA: "Supervised.",
        LicenseType.MD: "Any.",
    }


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[default]\n", "default.prescribers"),
        ('[default]\nprescribers = ["MD", "WIZARD"]\n', "default.prescribers"),
        ('[default]\nprescribers = "MD"\n', "default.prescribers"),
        ('[default]\nprescribers = ["MD"]\n[states.ZZ]\nprescribers = ["MD"]\n', "states.ZZ"),
        (
            '[default]\nprescribers = ["MD"]\n[default.conditions]\nMD = ""\n',
            "default.conditions.MD",
        ),
    ],
)
def test_mistakes_name_their_key(tmp_path, text, key):
    with pytest.raises(RulesError, match=f"key '{key}"):
        load_rules(write(tmp_path, text))


@pytest.mark.parametrize(
    ("specialty", "likely"),
    [
        ("2084P0800X", True),  # psychiatry
        ("207LP2900X", True),  # anesthesiology, pain medicine
        ("207P00000X", True),  # emergency medicine
        ("367500000X", True),  # nurse anesthetist
        ("2084N0400X", False),  # neurology, under "Psychiatry & Neurology"
        ("207N00000X", False),  # dermatology
        ("Psychiatry", True),
        ("ANESTHESIOLOGY", True),
        ("Pain Medicine", True),
        ("Dermatology", False),
        ("", False),
        (None, False),
    ],
)
def test_shipped_specialties_tell_which_namesake_is_likelier(specialty, likely):
    assert default_rules().specialties.likely(specialty) is likely


@pytest.mark.parametrize("table", ['words = "psychiatry"', "taxonomy_codes = [1]", 'words = [""]'])
def test_specialty_lists_must_be_lists_of_strings(tmp_path, table):
    text = f'[default]\nprescribers = ["MD"]\n[specialties]\n{table}\n'
    with pytest.raises(RulesError, match="key 'specialties"):
        load_rules(write(tmp_path, text))
