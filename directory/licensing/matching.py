"""Finding the licence and exclusion records that belong to a clinician.

Exact first — a printed NPI or licence number, or a maintainer's confirmation, decides — then by
name: blocked on the folded surname, its parts and its phonetic key (so that "Kowalsky" finds
"Kowalski", as a candidate), scored by `similarity`. A name match must agree
with the clinician's credentials: "John Smith, CRNA" is not the John Smith who holds an MD
licence. A name that fits below the threshold is kept as a candidate for maintainers; a licence
a maintainer rejected for this clinician is never matched again.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from directory.licensing.decisions import LicenseKey, license_key
from directory.licensing.rules import default_rules
from directory.licensing.similarity import (
    CANDIDATE_FLOOR,
    THRESHOLD,
    NameParts,
    blocking_keys,
    blocking_sounds,
    first_name_forms,
    given_initials,
    may_fit,
    score_names,
)
from directory.licensing.verdicts import (
    ClinicianFindings,
    ExclusionMatch,
    LicenseMatch,
    from_registry,
)
from directory.models import Clinician, Exclusion, License, Organisation
from directory.normalise.names import fold_name, license_types_for
from directory.vocab import Decision, LicenseType

MATCH_RANK = {"maintainer": 0, "npi": 1, "license_number": 2, "name": 3}
PHYSICIAN = frozenset({LicenseType.MD, LicenseType.DO})  # several boards issue one licence for both


_FIRST_INITIAL = func.upper(func.substr(License.first_name, 1, 1))
_MIDDLE_INITIAL = func.upper(func.substr(License.middle_name, 1, 1))
_NAMES = select(
    License.id, License.first_name, License.middle_name, License.last_name, License.license_type
).where(
    # The database's first cut: first names starting with a letter a fitting name may start
    # with, missing ones, and holders whose middle name may be the clinician's first.
    or_(
        _FIRST_INITIAL.in_(bindparam("initials", expanding=True)),
        License.first_name.is_(None),
        License.first_name == "",
        bindparam("initial") == _MIDDLE_INITIAL,
    ),
)
_BLOCK = _NAMES.where(
    or_(
        License.last_key.in_(bindparam("keys", expanding=True)),
        License.last_key_head.in_(bindparam("keys", expanding=True)),
        License.last_key_tail.in_(bindparam("keys", expanding=True)),
    ),
)
"""Built once: only its parameters change from one clinician to the next."""
_SOUNDS = _NAMES.where(License.last_key_sound.in_(bindparam("sounds", expanding=True)))
"""The second look, for a surname that may be misspelt: surnames that sound alike."""
_ROWS = select(License).where(License.id.in_(bindparam("ids", expanding=True)))
_EXCLUSIONS = select(Exclusion).where(
    or_(
        Exclusion.last_key.in_(bindparam("keys", expanding=True)),
        Exclusion.npi.in_(bindparam("npis", expanding=True)),
    )
)


BlockQuery = Select[int, str | None, str | None, str, LicenseType]


@dataclass(frozen=True)
class ClinicContext:
    """What the listing says about where its clinicians work, and what maintainers decided."""

    states: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    """Folded city names and five-digit ZIP codes of the clinic's locations."""
    decisions: Mapping[LicenseKey, Decision] = field(default_factory=dict)
    """The maintainers' decisions on licence records for this clinician."""


def find_matches(
    session: Session, clinician: Clinician, as_of: date, context: ClinicContext = ClinicContext()
) -> ClinicianFindings:
    """Licence and exclusion records matched to one clinician."""
    npis = {clinician.npi} if clinician.npi else set()
    rejected = {key for key, said in context.decisions.items() if said is Decision.REJECTED}
    by_npi = _npi_matches(session, npis)
    printed = [
        *_confirmed(session, context.decisions),
        *by_npi,
        *_number_matches(session, npis, clinician.license_number),
    ]
    named = _name_matches(session, clinician)
    by_name = [m for m in named if license_key(m.license) not in rejected]
    by_name = _settle_ties(by_name, printed, clinician, context.places)
    registry = {m.license.npi for m in by_name if m.counted and from_registry(m.license)}
    found = {npi for npi in registry if npi} - npis
    pointed = [*_npi_matches(session, found), *_number_matches(session, found, None)]
    kept = [m for m in [*printed, *pointed, *by_name] if license_key(m.license) not in rejected]
    matches = _best_per_license(kept)
    states = context.states | {m.license.state for m in matches if m.counted}
    return ClinicianFindings(
        clinician=clinician,
        licenses=matches,
        exclusions=_exclusion_matches(session, clinician, npis | found, states, as_of),
        organisation=_organisation(session, npis) if npis and not by_npi else None,
    )


def _organisation(session: Session, npis: set[str]) -> Organisation | None:
    """The organisation whose NPI a listing printed for a clinician, if it is one's."""
    return session.scalars(select(Organisation).where(Organisation.npi.in_(npis))).first()


def _confirmed(session: Session, decisions: Mapping[LicenseKey, Decision]) -> list[LicenseMatch]:
    """Licence rows a maintainer confirmed as this clinician's."""
    keys = [key for key, said in decisions.items() if said is Decision.CONFIRMED]
    if not keys:
        return []
    conditions = [
        (License.source_name == source)
        & (License.state == state)
        & (License.license_type == kind)
        & (License.license_number == number)
        for source, state, kind, number in keys
    ]
    rows = session.scalars(select(License).where(or_(*conditions)))
    return [LicenseMatch(row, "maintainer", 100.0, "confirmed by a maintainer") for row in rows]


def _npi_matches(session: Session, npis: set[str]) -> list[LicenseMatch]:
    """Licence rows that carry one of the clinician's NPIs."""
    if not npis:
        return []
    rows = session.scalars(select(License).where(License.npi.in_(npis)))
    return [LicenseMatch(row, "npi", 100.0, f"carries NPI {row.npi}") for row in rows]


def _number_matches(
    session: Session, npis: set[str], printed_number: str | None
) -> list[LicenseMatch]:
    """Licence rows with a number the clinician printed, or the registry lists for their NPI."""
    if not npis and not printed_number:
        return []
    pointers = {
        (row.state, row.license_number): f"the NPI registry lists it for NPI {row.npi}"
        for row in session.scalars(select(License).where(License.npi.in_(npis)))
        if from_registry(row)
    }
    conditions: list[ColumnElement[bool]] = [
        (License.state == state) & (License.license_number == number) for state, number in pointers
    ]
    if printed_number:
        conditions.append(License.license_number == printed_number)
    if not conditions:
        return []
    matches = []
    for row in session.scalars(select(License).where(or_(*conditions))):
        why = pointers.get((row.state, row.license_number), "the listing prints this number")
        matches.append(LicenseMatch(row, "license_number", 100.0, f"licence number: {why}"))
    return matches


def clinician_name(clinician: Clinician) -> NameParts:
    """The parts of a clinician's name that matching compares."""
    return NameParts(
        clinician.first_name, clinician.middle_name, clinician.last_name, clinician.suffix
    )


def holder_name(
    first: str | None, middle: str | None, last: str | None, suffix: str | None = None
) -> NameParts:
    """The parts of a licence holder's name that matching compares.

    Boards that print "MARY ANN" in the first-name column with no middle name mean a first and
    a middle name.
    """
    if first and not middle and len(first.split()) > 1:
        first, middle = first.split(maxsplit=1)
    return NameParts(first, middle, last, suffix)


def _name_matches(session: Session, clinician: Clinician) -> list[LicenseMatch]:
    """Licence rows filed under one of the clinician's surnames, with a fitting name and
    compatible credentials; those below the threshold are marked as candidates.

    The block is first read as bare names and most of it ruled out cheaply; only the rows
    left are loaded whole and scored. Only when nobody with a fitting initial is filed under
    the clinician's own surnames are the surnames that sound alike read (one misspelt,
    perhaps): an extra query for few clinicians, and its fits are candidates at best.
    """
    if not clinician.first_name:
        return []
    name = clinician_name(clinician)
    forms = first_name_forms(clinician.first_name)
    types = license_types_for(clinician.credentials)
    statement, parameters = block_query(name, forms)
    block = session.execute(statement, parameters).all()
    if not block and (sounds := sorted(blocking_sounds(name))):
        block = session.execute(_SOUNDS, {**parameters, "sounds": sounds}).all()
    fitting = _fitting(block, name, forms, types)
    if not fitting:
        return []
    return _scored(clinician, session.scalars(_ROWS, {"ids": fitting}))


def _fitting(
    rows: Iterable[Any], name: NameParts, forms: frozenset[str], types: frozenset[LicenseType]
) -> list[int]:
    """The ids of the block's rows whose names may fit, with compatible licence types."""
    return [
        row.id
        for row in rows
        if _compatible(types, LicenseType(row.license_type))
        and may_fit(name, forms, holder_name(row.first_name, row.middle_name, row.last_name))
    ]


def block_query(name: NameParts, forms: frozenset[str]) -> tuple[BlockQuery, dict[str, Any]]:
    """The blocking pass: the statement and parameters that read the bare names of the licence
    rows filed under one of the clinician's surnames whose first names may fit."""
    return _BLOCK, {
        "keys": sorted(blocking_keys(name)),
        "initials": sorted(given_initials(name, forms)),
        "initial": fold_name(name.first)[:1].upper(),
    }


def _scored(clinician: Clinician, rows: Iterable[License]) -> list[LicenseMatch]:
    """The rows whose holder's name fits the clinician's, best first."""
    name = clinician_name(clinician)
    matches = []
    for row in rows:
        holder = holder_name(row.first_name, row.middle_name, row.last_name, row.suffix)
        fit = score_names(name, holder)
        if fit.score >= CANDIDATE_FLOOR:
            why = f"name similarity {fit.score:.0f}/100: {fit.why}"
            matches.append(
                LicenseMatch(row, "name", fit.score, why, candidate=fit.score < THRESHOLD)
            )
    return sorted(matches, key=lambda m: -m.score)


def _settle_ties(
    by_name: list[LicenseMatch],
    certain: list[LicenseMatch],
    clinician: Clinician,
    places: frozenset[str],
) -> list[LicenseMatch]:
    """Name matches that may be several people: decide by what is known, or flag them ambiguous.

    In a state where a printed number already identified the clinician's licence, namesakes with
    other numbers are other people. Elsewhere, when several licence numbers fit the name, the
    generational suffix (Jr., III), the middle initial, then the clinic's city or ZIP (on a
    board's record, or the practice address the NPI registry gives), then a specialty likelier
    behind a ketamine clinic (psychiatry, anesthesiology, … in `rules/prescribers.toml`) pick
    one; if they cannot, none is evidence.
    Candidates below the threshold are kept as they are: they never count.
    """
    known = {(m.license.state, m.license.license_number) for m in certain}
    known_states = {state for state, _ in known}
    settled = [m for m in by_name if (m.license.state, m.license.license_number) in known]
    by_state: dict[str, list[LicenseMatch]] = defaultdict(list)
    for match in by_name:
        if match.license.state in known_states:
            continue
        if match.candidate:
            settled.append(match)
        else:
            by_state[match.license.state].append(match)
    for group in by_state.values():
        settled += _one_holder(group, clinician, places)
    return settled


def _one_holder(
    group: list[LicenseMatch], clinician: Clinician, places: frozenset[str]
) -> list[LicenseMatch]:
    """The matches of one state narrowed to one licence number, or all flagged ambiguous."""
    initial = fold_name(clinician.middle_name)[:1]
    specialties = default_rules().specialties
    narrowings: tuple[Callable[[LicenseMatch], bool], ...] = (
        lambda m: bool(clinician.suffix) and m.license.suffix == clinician.suffix,
        lambda m: bool(initial) and fold_name(m.license.middle_name)[:1] == initial,
        lambda m: bool(places & {fold_name(m.license.city), (m.license.postal_code or "")[:5]}),
        lambda m: specialties.likely(m.license.specialty),
    )
    candidates = group
    for keeps in narrowings:
        if len(_numbers(candidates)) <= 1:
            break
        chosen = {m.license.license_number for m in candidates if keeps(m)}
        candidates = [m for m in candidates if m.license.license_number in chosen] or candidates
    if len(_numbers(candidates)) <= 1:
        return candidates
    return [replace(m, ambiguous=True) for m in group]


def _numbers(matches: list[LicenseMatch]) -> set[str]:
    return {m.license.license_number for m in matches}


def _compatible(credential_types: frozenset[LicenseType], license_type: LicenseType) -> bool:
    """Whether a licence of this type could belong to someone with these credentials."""
    if not credential_types or license_type is LicenseType.OTHER:
        return True
    if license_type in PHYSICIAN:
        return bool(credential_types & PHYSICIAN)
    return license_type in credential_types


def _exclusion_matches(
    session: Session, clinician: Clinician, npis: set[str], states: frozenset[str], as_of: date
) -> list[ExclusionMatch]:
    """Exclusions in force on `as_of` for the clinician's NPI, or for their name.

    A name alone counts only when it fits above the threshold, the exclusion names no other NPI,
    and it was recorded in a state where the clinician practises or holds a licence.
    """
    keys = sorted(blocking_keys(clinician_name(clinician)))
    matches = []
    for row in session.scalars(_EXCLUSIONS, {"keys": keys, "npis": sorted(npis)}):
        if row.reinstated_on and row.reinstated_on <= as_of:
            continue
        if row.npi and row.npi in npis:
            matches.append(ExclusionMatch(row, "npi"))
        elif _same_person_by_name(clinician, row, npis, states):
            matches.append(ExclusionMatch(row, "name"))
    return matches


def _same_person_by_name(
    clinician: Clinician, row: Exclusion, npis: set[str], states: frozenset[str]
) -> bool:
    """Whether an exclusion found by name is this clinician's."""
    if row.npi and npis:
        return False
    if row.state and states and row.state not in states:
        return False
    holder = NameParts(row.first_name, row.middle_name, row.last_name)
    return score_names(clinician_name(clinician), holder).score >= THRESHOLD


def _best_per_license(matches: Iterable[LicenseMatch]) -> list[LicenseMatch]:
    """One match per licence row, the most certain kind kept."""
    best: dict[int, LicenseMatch] = {}
    for match in matches:
        known = best.get(match.license.id)
        if known is None or MATCH_RANK[match.how] < MATCH_RANK[known.how]:
            best[match.license.id] = match
    return sorted(best.values(), key=lambda m: (m.license.state, m.license.license_number))
