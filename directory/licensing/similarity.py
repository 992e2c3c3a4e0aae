"""How closely a licence holder's name fits a clinician's, as a score out of 100 with a reason.

Surnames must agree: the same, or sharing a word of a compound or hyphenated surname ("Lopez" and
"Lopez-Garcia"). First names may be the same, a nickname of one another (from the curated
`nicknames` data set: Bob and Robert, Liz and Elizabeth), a close spelling (rapidfuzz), an
initial, or the clinician may go by a middle name ("J. Robert Smith"). Middle initials that
differ mean two people, and so do generational suffixes that differ (John Smith Jr. and John
Smith Sr.); a suffix only one side gives is no conflict. Scores below `THRESHOLD` are
candidates for a maintainer, not evidence.
"""

from dataclasses import dataclass
from functools import cache

from nicknames import NickNamer
from rapidfuzz import fuzz

from directory.normalise.names import fold_name, surname_sound, surname_words

THRESHOLD = 90.0
"""The score a name match needs to count as evidence."""
CANDIDATE_FLOOR = 75.0
"""Below this a name is not even a candidate worth a maintainer's time."""
SPELLING_FLOOR = 85.0
"""rapidfuzz's ratio for two first names to be taken as spellings of one ("Jon", "John")."""
SURNAME_SPELLING_FLOOR = 80.0
"""rapidfuzz's ratio for two surnames that sound alike to be taken as spellings of one
("Kowalski", "Kowalsky"); "Chen" and "Chan" are two names."""
SURNAME_SPELLING_SCORE = 85.0
"""What a misspelt surname scores at best: below `THRESHOLD`, so a candidate, never evidence."""


@dataclass(frozen=True)
class NameParts:
    """A person's name as our records keep it."""

    first: str | None
    middle: str | None
    last: str | None
    suffix: str | None = None
    """Canonical generational suffix (JR, SR, II, …), from `generational_suffix`."""


@dataclass(frozen=True)
class NameScore:
    """How well two names fit, and why, in words a maintainer reads."""

    score: float
    why: str


NO_MATCH = NameScore(0.0, "names differ")


@cache
def _nicknamer() -> NickNamer:
    """The curated nickname data set, loaded once."""
    return NickNamer()


def blocking_keys(name: NameParts) -> frozenset[str]:
    """The folded surnames under which this person's licence records may be filed.

    The whole surname, each word of it, the middle and last name run together ("Lopez Garcia"),
    and a full middle name, which is often a maiden name kept.
    """
    keys = {fold_name(name.last), *surname_words(name.last)}
    middle = fold_name(name.middle)
    if len(middle) > 1:
        keys |= {middle, middle + fold_name(name.last)}
    return frozenset(key for key in keys if key)


def blocking_sounds(name: NameParts) -> frozenset[str]:
    """The phonetic keys of the surnames a misspelling of this person's surname is filed under."""
    sounds = {surname_sound(key) for key in blocking_keys(name)}
    return frozenset(sound for sound in sounds if sound)


def first_name_forms(first: str | None) -> frozenset[str]:
    """The folded first names that may be this one: itself, its nicknames, what it is short for,
    and the other nicknames of that (Bob: Robert, Rob, Bobby, …)."""
    namer = _nicknamer()
    mine = fold_name(first)
    canonicals = namer.canonicals_of(mine)
    forms = {mine, *namer.nicknames_of(mine), *canonicals}
    forms.update(nickname for name in canonicals for nickname in namer.nicknames_of(name))
    return frozenset(fold_name(form) for form in forms)


SPELLING_SWAPS = {"c": "k", "k": "c", "g": "j", "j": "g", "i": "y", "y": "i", "s": "z", "z": "s"}
"""First letters that two spellings of one name may differ in (Catherine, Katherine; Geoffrey,
Jeffrey)."""


def given_initials(clinician: NameParts, forms: frozenset[str]) -> frozenset[str]:
    """The first letters a fitting holder's first name may begin with, for the database to
    filter a surname block on: those of the clinician's name forms and middle name, and the
    letters spellings swap. (A spelling that differs in its first letter otherwise scores below
    the threshold anyway; only such a candidate can be missed.)"""
    letters = {form[0] for form in forms if form} | set(fold_name(clinician.middle)[:1])
    letters |= {SPELLING_SWAPS[letter] for letter in letters if letter in SPELLING_SWAPS}
    return frozenset(letter.upper() for letter in letters)


def may_fit(clinician: NameParts, forms: frozenset[str], holder: NameParts) -> bool:
    """A cheap first look that passes every holder `score_names` could score as a candidate.

    It rules out most of a surname block (same surname, another first name) before the closer
    look; `forms` are the clinician's `first_name_forms`.
    """
    mine, theirs = fold_name(clinician.first), fold_name(holder.first)
    return (
        len(mine) <= 1
        or len(theirs) <= 1
        or theirs in forms
        or fuzz.ratio(mine, theirs, score_cutoff=SPELLING_FLOOR) > 0
        or theirs == fold_name(clinician.middle)
        or mine == fold_name(holder.middle)
    )


def score_names(clinician: NameParts, holder: NameParts) -> NameScore:
    """How closely a licence holder's name fits the clinician's."""
    if _middle_initials_conflict(clinician, holder):
        return NameScore(0.0, "middle initials differ")
    if clinician.suffix and holder.suffix and clinician.suffix != holder.suffix:
        return NameScore(0.0, f"suffixes differ ({clinician.suffix}, {holder.suffix})")
    surname = _surname_score(clinician, holder)
    if surname.score == 0:
        return NO_MATCH
    given = _given_score(clinician, holder)
    if given.score == 0:
        return NameScore(0.0, "first names differ")
    weaker = min((surname, given), key=lambda part: part.score)
    if surname.score == 100 and given.score == 100:
        return NameScore(100.0, "same name")
    return NameScore(weaker.score, f"{surname.why}; {given.why}")


def _surname_score(clinician: NameParts, holder: NameParts) -> NameScore:
    """Whether the surnames agree: the same, part of a compound, or a middle name kept."""
    mine, theirs = fold_name(clinician.last), fold_name(holder.last)
    joined = fold_name(clinician.middle) + mine
    if mine == theirs or (len(fold_name(clinician.middle)) > 1 and joined == theirs):
        return NameScore(100.0, "same surname")
    my_words, their_words = set(surname_words(clinician.last)), set(surname_words(holder.last))
    if my_words == their_words:
        return NameScore(100.0, "same surname")
    if my_words & their_words:
        return NameScore(95.0, "shares a part of a compound surname")
    if fold_name(clinician.middle) in their_words and len(fold_name(clinician.middle)) > 1:
        return NameScore(80.0, "surname matches the clinician's middle name")
    return _misspelt_surname(mine, theirs)


def _misspelt_surname(mine: str, theirs: str) -> NameScore:
    """Surnames that sound alike and are spelled nearly alike: maybe one misspelt, for a
    maintainer to judge."""
    sound = surname_sound(mine)
    if not sound or sound != surname_sound(theirs):
        return NO_MATCH
    similarity = fuzz.ratio(mine, theirs, score_cutoff=SURNAME_SPELLING_FLOOR)
    if not similarity:
        return NO_MATCH
    return NameScore(
        min(similarity, SURNAME_SPELLING_SCORE),
        f"surnames sound alike and are spelled alike ({similarity:.0f}/100)",
    )


def _given_score(clinician: NameParts, holder: NameParts) -> NameScore:
    """Whether the first names agree, or the clinician goes by an initial or a middle name."""
    mine, theirs = fold_name(clinician.first), fold_name(holder.first)
    if not mine or not theirs:
        return NameScore(80.0, "a first name is missing")
    if mine == theirs:
        return NameScore(100.0, "same first name")
    if len(mine) == 1 or len(theirs) == 1:
        return _initial_score(clinician, holder)
    if nickname := _nickname_score(mine, theirs):
        return NameScore(nickname, f"{clinician.first} is a form of {holder.first}")
    similarity = fuzz.ratio(mine, theirs)
    if similarity >= SPELLING_FLOOR:
        return NameScore(similarity, f"first names spelled alike ({similarity:.0f}/100)")
    if fold_name(clinician.middle) == theirs or mine == fold_name(holder.middle):
        return NameScore(85.0, "may go by the middle name")
    return NO_MATCH


def _initial_score(clinician: NameParts, holder: NameParts) -> NameScore:
    """A first initial: fits, and fits well when the middle names agree in full."""
    mine, theirs = fold_name(clinician.first), fold_name(holder.first)
    if mine[0] != theirs[0]:
        if fold_name(clinician.middle) == theirs:
            return NameScore(92.0, "goes by the middle name")
        return NO_MATCH
    middles = fold_name(clinician.middle), fold_name(holder.middle)
    if all(len(middle) > 1 for middle in middles) and middles[0] == middles[1]:
        return NameScore(95.0, "first initial and full middle name agree")
    return NameScore(85.0, "only a first initial to go on")


def _middle_initials_conflict(clinician: NameParts, holder: NameParts) -> bool:
    """Both names give a middle initial, and they differ."""
    mine, theirs = fold_name(clinician.middle)[:1], fold_name(holder.middle)[:1]
    if not mine or not theirs or mine == theirs:
        return False
    # "J. Robert Smith" against "James Robert Smith" is no conflict, nor "Robert" in the middle.
    return fold_name(clinician.middle) != fold_name(holder.first)


def _nickname_score(one: str, other: str) -> float:
    """95 when one first name is a nickname of the other (Bob, Robert), 90 when both are
    nicknames of one name (Bob, Rob), else 0."""
    namer = _nicknamer()
    if other in namer.nicknames_of(one) or one in namer.nicknames_of(other):
        return 95.0
    return 90.0 if namer.canonicals_of(one) & namer.canonicals_of(other) else 0.0
