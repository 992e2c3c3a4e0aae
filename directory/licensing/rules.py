"""Which licence types may stand behind ketamine treatment in each state, from a data file."""

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import us

from directory.vocab import LicenseType

RULES_FILE = Path(__file__).parents[1] / "rules" / "prescribers.toml"
STATE_CODES = frozenset(state.abbr for state in [*us.states.STATES_AND_TERRITORIES, us.states.DC])
TAXONOMY_CODE = re.compile(r"[0-9]{3}[0-9A-Z]{6}X")


class RulesError(ValueError):
    """A rules file that cannot be used, with the key at fault."""


@dataclass(frozen=True)
class StateRules:
    """The prescriber types of one state and the conditions on each."""

    prescribers: frozenset[LicenseType]
    conditions: Mapping[LicenseType, str]


@dataclass(frozen=True)
class Specialties:
    """The specialties likelier than others behind a ketamine clinic."""

    words: tuple[str, ...] = ()
    taxonomy_codes: tuple[str, ...] = ()

    def likely(self, specialty: str | None) -> bool:
        """Whether a licence's specialty is one of them: a taxonomy code by its code, a board's
        words by the words ("Psychiatry & Neurology, Neurology" is no psychiatrist's)."""
        text = (specialty or "").strip()
        if TAXONOMY_CODE.fullmatch(text.upper()):
            return text.upper().startswith(self.taxonomy_codes)
        return any(word in text.casefold() for word in self.words)


@dataclass(frozen=True)
class PrescriberRules:
    """The rules for every state: the default, the states that differ from it, and the
    specialties that settle ties between namesakes."""

    default: StateRules
    states: Mapping[str, StateRules]
    specialties: Specialties = Specialties()

    def for_state(self, state: str | None) -> StateRules:
        """The rules in force in a state (the default where the state has no entry)."""
        return self.states.get(state or "", self.default)

    def may_prescribe(self, license_type: str, state: str | None) -> bool:
        """Whether a licence of this type, held in this state, may stand behind treatment there."""
        return license_type in self.for_state(state).prescribers


def load_rules(path: Path = RULES_FILE) -> PrescriberRules:
    """Read and validate a rules file."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RulesError(f"{path}: cannot be read ({error})") from None
    default = _state_rules(path, "default", document.get("default", {}), None)
    states = {}
    for code, table in document.get("states", {}).items():
        if code not in STATE_CODES:
            raise RulesError(f"{path}: key 'states.{code}' is not a state code")
        states[code] = _state_rules(path, f"states.{code}", table, default)
    return PrescriberRules(default, states, _specialties(path, document.get("specialties", {})))


@cache
def default_rules() -> PrescriberRules:
    """The rules shipped with the project, read once."""
    return load_rules()


def _state_rules(
    path: Path, key: str, table: dict[str, Any], default: StateRules | None
) -> StateRules:
    """One table of the file: `prescribers` and `conditions`, the default filling the gaps."""
    if "prescribers" in table:
        prescribers = frozenset(_types(path, f"{key}.prescribers", table["prescribers"]))
    elif default is not None:
        prescribers = default.prescribers
    else:
        raise RulesError(f"{path}: key '{key}.prescribers' is required")
    conditions = dict(default.conditions) if default else {}
    for name, text in table.get("conditions", {}).items():
        (kind,) = _types(path, f"{key}.conditions.{name}", [name])
        if not isinstance(text, str) or not text.strip():
            raise RulesError(f"{path}: key '{key}.conditions.{name}' must be a sentence")
        conditions[kind] = text.strip()
    return StateRules(prescribers, conditions)


def _types(path: Path, key: str, values: Any) -> list[LicenseType]:
    """Licence types named in the file, each one of ours."""
    if not isinstance(values, list):
        raise RulesError(f"{path}: key '{key}' must be a list of licence types")
    try:
        return [LicenseType(value) for value in values]
    except ValueError:
        allowed = ", ".join(t.value for t in LicenseType)
        raise RulesError(f"{path}: key '{key}' must name licence types from {allowed}") from None


def extract_conditions(
    fileobj: BinaryIO, keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, None, str, list[str]]]:
    """The conditions on practice in a rules file, for the translation catalogue (Babel).

    They reach patients as verdict reasons, so the site translates them like any other sentence.
    """
    document = tomllib.load(fileobj)
    for table in [document.get("default", {}), *document.get("states", {}).values()]:
        for condition in table.get("conditions", {}).values():
            yield 0, None, condition, []


def _specialties(path: Path, table: dict[str, Any]) -> Specialties:
    """The `[specialties]` table: lists of words and of taxonomy code prefixes."""
    lists = {}
    for key in ("words", "taxonomy_codes"):
        values = table.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise RulesError(f"{path}: key 'specialties.{key}' must be a list of strings")
        lists[key] = values
    return Specialties(
        words=tuple(word.casefold() for word in lists["words"]),
        taxonomy_codes=tuple(code.upper() for code in lists["taxonomy_codes"]),
    )
