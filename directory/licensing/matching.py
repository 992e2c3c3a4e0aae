"""Finding the licence and exclusion records that belong to a clinician.

Exact first — a printed NPI or licence number decides — then by name, blocked on the folded last
name and scored with rapidfuzz. A name match must agree with the clinician's credentials: "John
Smith, CRNA" is not the John Smith who holds an MD licence.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from directory.licensing.verdicts import (
    ClinicianFindings,
    ExclusionMatch,
    LicenseMatch,
    from_registry,
)
from directory.models import Clinician, Exclusion, License
from directory.normalise.names import fold_name, license_types_for
from directory.vocab import LicenseType

NAME_THRESHOLD = 90.0
MATCH_RANK = {"npi": 0, "license_number": 1, "name": 2}
PHYSICIAN = frozenset({LicenseType.MD, LicenseType.DO})  # several boards issue one licence for both


def find_matches(
    session: Session, clinician: Clinician, as_of: date, places: frozenset[str] = frozenset()
) -> ClinicianFindings:
    """Licence and exclusion records matched to one clinician.

    `places` are the clinic's folded city names and ZIP codes, used to tell apart namesakes.
    """
    npis = {clinician.npi} if clinician.npi else set()
    printed = [
        *_npi_matches(session, npis),
        *_number_matches(session, npis, clinician.license_number),
    ]
    by_name = _settle_ties(_name_matches(session, clinician), printed, clinician, places)
    registry = {m.license.npi for m in by_name if not m.ambiguous and from_registry(m.license)}
    found = {npi for npi in registry if npi} - npis
    pointed = [*_npi_matches(session, found), *_number_matches(session, found, None)]
    return ClinicianFindings(
        clinician=clinician,
        licenses=_best_per_license([*printed, *pointed, *by_name]),
        exclusions=_exclusion_matches(session, clinician, npis | found, as_of),
    )


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


def _name_matches(session: Session, clinician: Clinician) -> list[LicenseMatch]:
    """Licence rows with the same last name, a close first name and compatible credentials.

    The last name is the block (an exact folded match); the first names are then scored alone,
    so that "Maria" and "Mario" Lopez stay two people.
    """
    if not clinician.first_name:
        return []
    last_key = fold_name(clinician.last_name)
    rows = session.scalars(select(License).where(License.last_key == last_key))
    types = license_types_for(clinician.credentials)
    first = fold_name(clinician.first_name)
    matches = []
    for row in rows:
        if not _compatible(types, LicenseType(row.license_type)):
            continue
        score = fuzz.ratio(first, fold_name(row.first_name))
        if score >= NAME_THRESHOLD:
            matches.append(LicenseMatch(row, "name", score, f"name similarity {score:.0f}/100"))
    return matches


def _settle_ties(
    by_name: list[LicenseMatch],
    certain: list[LicenseMatch],
    clinician: Clinician,
    places: frozenset[str],
) -> list[LicenseMatch]:
    """Name matches that may be several people: decide by what is known, or flag them ambiguous.

    In a state where a printed number already identified the clinician's licence, namesakes with
    other numbers are other people. Elsewhere, when several licence numbers fit the name, the
    middle initial and then the clinic's city or ZIP pick one; if they cannot, none is evidence.
    """
    known = {(m.license.state, m.license.license_number) for m in certain}
    known_states = {state for state, _ in known}
    settled = [m for m in by_name if (m.license.state, m.license.license_number) in known]
    by_state: dict[str, list[LicenseMatch]] = defaultdict(list)
    for match in by_name:
        if match.license.state not in known_states:
            by_state[match.license.state].append(match)
    for group in by_state.values():
        settled += _one_holder(group, clinician, places)
    return settled


def _one_holder(
    group: list[LicenseMatch], clinician: Clinician, places: frozenset[str]
) -> list[LicenseMatch]:
    """The matches of one state narrowed to one licence number, or all flagged ambiguous."""
    initial = fold_name(clinician.middle_name)[:1]
    narrowings: tuple[Callable[[LicenseMatch], bool], ...] = (
        lambda m: not initial or fold_name(m.license.middle_name)[:1] in ("", initial),
        lambda m: bool(places & {fold_name(m.license.city), (m.license.postal_code or "")[:5]}),
    )
    candidates = group
    for keeps in narrowings:
        if len(_numbers(candidates)) <= 1:
            break
        narrowed = [m for m in candidates if keeps(m)]
        candidates = narrowed or candidates
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
    session: Session, clinician: Clinician, npis: set[str], as_of: date
) -> list[ExclusionMatch]:
    """Exclusions in force on `as_of` for the clinician's NPI, or their exact name."""
    conditions = [Exclusion.last_key == fold_name(clinician.last_name)]
    if npis:
        conditions.append(Exclusion.npi.in_(npis))
    matches = []
    for row in session.scalars(select(Exclusion).where(or_(*conditions))):
        if row.reinstated_on and row.reinstated_on <= as_of:
            continue
        if row.npi and row.npi in npis:
            matches.append(ExclusionMatch(row, "npi"))
        elif fold_name(row.first_name or "") == fold_name(clinician.first_name or "") != "":
            matches.append(ExclusionMatch(row, "name"))
    return matches


def _best_per_license(matches: Iterable[LicenseMatch]) -> list[LicenseMatch]:
    """One match per licence row, the most certain kind kept."""
    best: dict[int, LicenseMatch] = {}
    for match in matches:
        known = best.get(match.license.id)
        if known is None or MATCH_RANK[match.how] < MATCH_RANK[known.how]:
            best[match.license.id] = match
    return sorted(best.values(), key=lambda m: (m.license.state, m.license.license_number))
