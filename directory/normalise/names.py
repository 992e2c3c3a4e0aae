"""People's names and their credentials ("Jane Q. Doe, MD"), split with nameparser.

nameparser's shared `CONSTANTS` is module-global, so this module never touches it: it parses with
its own `Constants` instance, extended once at import with the clinical credentials nameparser
lacks (PMHNP, LMFT, …). Other users of nameparser in the process see its stock behaviour.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

import jellyfish
from nameparser import HumanName
from nameparser.config import Constants

from directory.normalise.records import NormaliseError
from directory.vocab import LicenseType

_TYPE_BY_CREDENTIAL: dict[str, LicenseType] = {
    "MD": LicenseType.MD,
    "DO": LicenseType.DO,
    "PA": LicenseType.PA,
    "PA-C": LicenseType.PA,
    "CRNA": LicenseType.CRNA,
    "RN": LicenseType.RN,
    "LPN": LicenseType.LPN,
    "LVN": LicenseType.LPN,
    "PSYD": LicenseType.PSYCHOLOGIST,
    # Licensed counsellors go by different initials from state to state.
    "LPC": LicenseType.LPC,
    "LPCC": LicenseType.LPC,
    "LCPC": LicenseType.LPC,
    "LMHC": LicenseType.LPC,
    "LCMHC": LicenseType.LPC,
    "LCSW": LicenseType.LCSW,
    "LICSW": LicenseType.LCSW,
    "LISW": LicenseType.LCSW,
    "LCSW-C": LicenseType.LCSW,
    "LMFT": LicenseType.LMFT,
    "LCMFT": LicenseType.LMFT,
}
# Nurse-practitioner certifications: NP, FNP-BC, PMHNP-BC, AGACNP-BC, CPNP-PC, CRNP, …
_NURSE_PRACTITIONER = re.compile(r"(?:APRN-)?[A-Z]*NP(?:-[A-Z]{1,3})?")
# An umbrella title: an advanced-practice nurse is an NP unless a narrower role is named.
_ADVANCED_PRACTICE_NURSE = frozenset({"APRN", "APN", "ARNP", "APRN-BC", "APRN-RX"})
_OTHER_ADVANCED_PRACTICE_ROLES = frozenset({"CRNA", "CNM", "CNS"})
_DOCTORATES_NOT_LICENCES = frozenset({"DNP"})
KNOWN_CREDENTIALS = frozenset(
    {
        *_TYPE_BY_CREDENTIAL,
        *_ADVANCED_PRACTICE_NURSE,
        *_OTHER_ADVANCED_PRACTICE_ROLES,
        *("NP", "NP-C", "CNP", "CRNP", "FNP", "FNP-BC", "FNP-C", "PMHNP", "PMHNP-BC"),
        *("AGNP", "AGNP-C", "AGNP-BC", "AGACNP", "AGACNP-BC", "AGPCNP", "AGPCNP-BC"),
        *("ANP", "ANP-BC", "ACNP", "ACNP-BC", "WHNP", "WHNP-BC", "PNP", "CPNP", "CPNP-PC"),
        *("DNP", "PHD", "EDD", "MBBS", "BSN", "MSN", "MSW", "LMSW", "MPH", "MBA", "MS", "MA"),
        *("FAPA", "DFAPA", "FASAM", "FACP", "FAAFP", "FACEP", "ABPN", "CADC", "LADC"),
    }
)
MIN_SOUND_LENGTH = 3
_GENERATIONAL_SUFFIXES = frozenset({"JR", "SR", "II", "III", "IV", "V"})
_SUFFIX_SPELLINGS = {"2ND": "II", "3RD": "III", "4TH": "IV", "JUNIOR": "JR", "SENIOR": "SR"}
_CREDENTIAL_SEPARATORS = re.compile(r"[,;/|]+")
_LOOKS_LIKE_ACRONYM = re.compile(r"[A-Z][A-Z0-9-]{1,9}")
_DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-"})

_NOT_LETTERS = re.compile(r"[^a-z]+")
_CONSTANTS = Constants()
_CONSTANTS.suffix_acronyms.add(*(credential.lower() for credential in KNOWN_CREDENTIALS))


@dataclass(frozen=True)
class PersonName:
    """A person's name in parts, with normalised credentials and a tidy display form."""

    first: str | None
    middle: str | None
    last: str
    suffix: str | None
    credentials: tuple[str, ...]
    display: str


def normalise_credential(text: str) -> str:
    """One credential in canonical form: upper case, no dots or spaces ("Ph.D." → "PHD")."""
    return "".join(text.translate(_DASHES).upper().replace(".", "").split())


def parse_credentials(text: str | None) -> tuple[str, ...]:
    """The credentials in a printed list such as "APRN, FNP-BC" or "MD/PhD", normalised."""
    if not text:
        return ()
    found: list[str] = []
    for piece in _CREDENTIAL_SEPARATORS.split(text):
        whole = normalise_credential(piece)
        words = [whole] if whole in KNOWN_CREDENTIALS else piece.split()
        found.extend(
            normalise_credential(word)
            for word in words
            if normalise_credential(word) in KNOWN_CREDENTIALS
            or _LOOKS_LIKE_ACRONYM.fullmatch(word.strip(".").translate(_DASHES))
        )
    return tuple(dict.fromkeys(credential for credential in found if credential))


def parse_person(name_as_written: str, credentials: str | None = None) -> PersonName:
    """Split a printed name into parts and credentials; `missing_name` if there is no surname."""
    text = " ".join(name_as_written.split())
    text, trailing = _split_trailing_credentials(text)
    human = HumanName(text, constants=_CONSTANTS)
    generational: list[str] = []
    from_name: list[str] = []
    for piece in human.suffix_list:
        for word in piece.replace(",", " ").split():
            if normalise_credential(word) in _GENERATIONAL_SUFFIXES:
                generational.append(word)
            else:
                from_name.append(word)
    first, middle = human.first or None, human.middle or None
    last: str | None = human.last
    if not last and first and not middle:
        # A single name after a title ("Dr. Patel") is a surname.
        first, last = None, first
    if not last or (first is None and normalise_credential(last) in KNOWN_CREDENTIALS):
        raise NormaliseError("missing_name", repr(name_as_written))
    found = parse_credentials(", ".join([*from_name, *trailing, credentials or ""]))
    suffix = " ".join(generational) or None  # as written, for the display
    # "Dr." says something only when no credential does.
    title = None if found else human.title or None
    parts = PersonName(first, middle, last, suffix, found, display="")
    return replace(parts, display=_display(parts, title))


def _split_trailing_credentials(text: str) -> tuple[str, list[str]]:
    """Take comma-separated credentials off the end of a name ("Maria Lopez, DNP, PMHNP-BC").

    nameparser would otherwise read an unknown trailing credential as "Last, First".
    """
    pieces = text.split(",")
    trailing: list[str] = []
    while len(pieces) > 1 and _all_credentials(pieces[-1]):
        trailing.insert(0, pieces.pop().strip())
    return ",".join(pieces), trailing


def _all_credentials(piece: str) -> bool:
    """Whether every word of a comma-separated piece is a known credential."""
    words = piece.split()
    return bool(words) and all(normalise_credential(word) in KNOWN_CREDENTIALS for word in words)


def _display(name: PersonName, title: str | None) -> str:
    """The form "First Middle Last Suffix, CRED, CRED", re-cased if written all in one case."""
    human = HumanName(
        constants=_CONSTANTS,
        title=title,
        first=name.first,
        middle=name.middle,
        last=name.last,
        suffix=name.suffix,
    )
    human.capitalize()
    return ", ".join([" ".join(str(human).split()), *name.credentials])


def generational_suffix(text: str | None) -> str | None:
    """The generational suffix a name or suffix field ends with, in canonical form:
    "Jr." → JR, "HALE III" → III, "2nd" → II; None when it has none."""
    words = (text or "").replace(",", " ").split()
    if not words:
        return None
    last = normalise_credential(words[-1])
    last = _SUFFIX_SPELLINGS.get(last, last)
    return last if last in _GENERATIONAL_SUFFIXES else None


def license_types_for(credentials: Iterable[str]) -> frozenset[LicenseType]:
    """The licence types a set of credentials implies (MD → MD, PMHNP-BC → NP, …)."""
    normalised = {normalise_credential(credential) for credential in credentials}
    types = {_TYPE_BY_CREDENTIAL[c] for c in normalised if c in _TYPE_BY_CREDENTIAL}
    types.update(
        LicenseType.NP
        for c in normalised - _DOCTORATES_NOT_LICENCES
        if _NURSE_PRACTITIONER.fullmatch(c)
    )
    if normalised & _ADVANCED_PRACTICE_NURSE and not normalised & _OTHER_ADVANCED_PRACTICE_ROLES:
        types.add(LicenseType.NP)
    # A PhD on its own is read as a psychologist's; beside MD or LPC it is just the degree.
    if "PHD" in normalised and not types:
        types.add(LicenseType.PSYCHOLOGIST)
    return frozenset(types)


def name_key(first: str | None, last: str | None) -> str:
    """A de-duplication key "last|first": case-folded ASCII letters only."""
    return f"{fold_name(last)}|{fold_name(first)}"


def surname_words(last: str | None) -> list[str]:
    """The folded words of a surname, without "Jr." or "III": "Lopez-Garcia" → lopez, garcia."""
    words = [fold_name(word) for word in re.split(r"[\s\-‐‑–—]+", last or "")]
    return [word for word in words if word and word.upper() not in _GENERATIONAL_SUFFIXES]


def surname_sound(last_key: str | None) -> str | None:
    """The phonetic key (Metaphone) under which misspellings of a folded surname meet:
    kowalski and kowalsky, mcdonald and macdonald. None when shorter than
    `MIN_SOUND_LENGTH`: the keys of short names ("L" for Lee, Li, Lau) would block too much."""
    sound = jellyfish.metaphone(last_key) if last_key else ""
    return sound if len(sound) >= MIN_SOUND_LENGTH else None


def surname_part_keys(last: str | None) -> tuple[str | None, str | None]:
    """The first and last word of a compound or suffixed surname; None for a one-word surname."""
    words = surname_words(last)
    if not words or words == [fold_name(last)]:
        return None, None
    return words[0], words[-1]


def fold_name(text: str | None) -> str:
    """A name for blocking and comparison: its ASCII letters, accents stripped, case-folded."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_LETTERS.sub("", text.casefold())
