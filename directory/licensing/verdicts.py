"""The verdict rules, pure over their inputs: matched records and a date in, a verdict out.

- `license_problem`: a matched clinician is on the exclusion list, holds a prescriber licence that
  is suspended, revoked, surrendered or on probation anywhere, or whose licence in the clinic's
  state has expired with no active one there (an old expired licence elsewhere is normal).
- `verified`: a matched clinician holds an active licence of a type that may stand behind ketamine
  treatment (`directory/rules/prescribers.toml`) in a state where the clinic practises.
- `out_of_state`: matched clinicians hold active prescriber licences, none in the clinic's states.
- `unverified`: nobody named, no prescriber named (only therapists or nurses), or nobody matched
  to a licence whose status a public source confirms.
A licence whose status is `unknown` (such as a number the NPI registry lists) never verifies.

Every reason is a `Reason` (`directory.reasons`) so that the site can show it in Spanish: a fixed
English template with named params, never an f-string. To write one, turn
`f"{name}'s {_describe(lic)} is {status}."` into
`Reason("%(name)s's %(licence)s is %(status)s.", name=name, licence=_describe(lic), status=...)`:
the template is a literal (it is extracted into the catalogue), names and numbers are plain params,
words are `Reason`s too (`STATUS_WORDS`, `MATCH_WORDS`, `_describe`), and a list param is joined
with commas. Write a template in a helper rather than inside another `Reason(...)` call, where the
extractor misses it. Then add the template's Spanish to `web/translations`.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from directory.licensing.rules import PrescriberRules, default_rules
from directory.models import Clinician, Exclusion, License, Organisation
from directory.normalise.names import fold_name, license_types_for
from directory.reasons import Reason
from directory.vocab import LicenseStatus, Verdict

DISCIPLINE = frozenset(
    {
        LicenseStatus.SUSPENDED,
        LicenseStatus.REVOKED,
        LicenseStatus.SURRENDERED,
        LicenseStatus.PROBATION,
    }
)

STATUS_WORDS = {
    LicenseStatus.SUSPENDED: Reason("suspended"),
    LicenseStatus.REVOKED: Reason("revoked"),
    LicenseStatus.SURRENDERED: Reason("surrendered"),
    LicenseStatus.PROBATION: Reason("probation"),
}
"""The disciplinary statuses as they read in a reason ("... is suspended.")."""

MATCH_WORDS = {
    "maintainer": Reason("maintainer"),
    "npi": Reason("NPI"),
    "license_number": Reason("license number"),
    "name": Reason("name"),
}
"""How a licence was matched, as it reads in a reason ("matched by NPI")."""


@dataclass(frozen=True)
class LicenseMatch:
    """A licence record matched to a clinician, how, and how sure."""

    license: License
    how: str
    score: float
    why: str
    ambiguous: bool = False
    candidate: bool = False
    """A name that fits, but below the threshold: for a maintainer to confirm, never evidence."""

    @property
    def counted(self) -> bool:
        """Whether the match counts as evidence: neither a weak fit nor one namesake of several."""
        return not (self.ambiguous or self.candidate)


@dataclass(frozen=True)
class ExclusionMatch:
    """An exclusion record matched to a clinician, and how."""

    exclusion: Exclusion
    how: str


@dataclass
class ClinicianFindings:
    """Everything matched to one clinician."""

    clinician: Clinician
    licenses: list[LicenseMatch] = field(default_factory=list)
    exclusions: list[ExclusionMatch] = field(default_factory=list)
    organisation: Organisation | None = None
    """The organisation whose NPI the listing printed for this clinician, if it is one's."""

    @property
    def confirmed(self) -> list[LicenseMatch]:
        """The matches that count as evidence: not a weak fit, nor one namesake among several."""
        return [m for m in self.licenses if m.counted]


@dataclass(frozen=True)
class Assessment:
    """A verdict with the sentences that explain it and the evidence behind it."""

    verdict: Verdict
    reasons: list[str]
    evidence: list[dict[str, Any]]


def effective_status(license: License, as_of: date) -> LicenseStatus:
    """The status on `as_of`: an "active" licence past its expiry date has expired."""
    status = LicenseStatus(license.status)
    if (
        status is LicenseStatus.ACTIVE
        and license.expiration_date
        and license.expiration_date < as_of
    ):
        return LicenseStatus.EXPIRED
    return status


def decide(
    states: set[str],
    findings: list[ClinicianFindings],
    as_of: date,
    rules: PrescriberRules | None = None,
    places: frozenset[str] = frozenset(),
) -> Assessment:
    """The listing's verdict from what was matched to each of its clinicians; `places` are the
    folded city names and five-digit ZIP codes of the clinic's locations."""
    rules = rules or default_rules()
    evidence = [entry for f in findings for entry in _evidence(f, as_of)]
    verdict, reasons = _verdict(states, findings, as_of, rules)
    disagreements = [note for f in findings for note in _disagreements(f, places)]
    return Assessment(verdict, reasons + disagreements, evidence)


def _verdict(
    states: set[str], findings: list[ClinicianFindings], as_of: date, rules: PrescriberRules
) -> tuple[Verdict, list[str]]:
    """The verdict and the sentences that explain it."""
    if not findings:
        return Verdict.UNVERIFIED, [Reason("The listing names no clinician.")]
    problems = [reason for f in findings for reason in _problems(f, states, as_of, rules)]
    if problems:
        return Verdict.LICENSE_PROBLEM, problems
    if not any(_may_prescribe(f.clinician, states, rules) for f in findings):
        named = "; ".join(f.clinician.name for f in findings)
        return Verdict.UNVERIFIED, [
            Reason(
                "No prescriber named: no one listed (%(named)s) may stand behind ketamine therapy.",
                named=named,
            )
        ]
    active = [m for f in findings for m in f.confirmed if _active(m, as_of, rules)]
    in_state = [m for m in active if m.license.state in states]
    if in_state:
        return Verdict.VERIFIED, _holding(findings, in_state) + _conditions(in_state, rules)
    if active:
        where: list[str] | str = sorted(states) or Reason("the clinic's state")
        return Verdict.OUT_OF_STATE, [
            *_holding(findings, active),
            Reason("No matched clinician is licensed in %(where)s.", where=where),
        ]
    return Verdict.UNVERIFIED, _unmatched(findings)


def _disagreements(findings: ClinicianFindings, places: frozenset[str]) -> list[str]:
    """Where the clinic, the NPI registry and the licence records tell different stories."""
    clinician = findings.clinician
    notes: list[str] = _practice_elsewhere(findings, places)
    printed = clinician.license_number
    listed = sorted(
        {m.license.license_number for m in findings.confirmed if from_registry(m.license)}
    )
    if findings.organisation is not None:
        notes.append(
            Reason(
                "%(name)s: the NPI printed for them, %(npi)s, belongs to the organisation "
                "%(organisation)s, not to a person.",
                name=clinician.name,
                npi=clinician.npi or "",
                organisation=findings.organisation.name,
            )
        )
    if printed and listed and printed not in listed:
        notes.append(
            Reason(
                "%(name)s: the clinic prints licence number %(printed)s, but the NPI registry "
                "lists %(listed)s.",
                name=clinician.name,
                printed=printed,
                listed=listed,
            )
        )
    for match in findings.confirmed:
        holder = match.license
        exact = match.how in ("npi", "license_number")
        if exact and fold_name(holder.last_name) != fold_name(clinician.last_name):
            notes.append(
                Reason(
                    "%(source)s's record for %(licence)s is in the name of %(holder)s, "
                    "not %(name)s.",
                    source=holder.source_name,
                    licence=_describe(holder),
                    holder=holder.full_name,
                    name=clinician.name,
                )
            )
    return notes


def _practice_elsewhere(findings: ClinicianFindings, places: frozenset[str]) -> list[str]:
    """The practice address the NPI registry gives for the NPI printed for a clinician, when it
    is at none of the clinic's locations (neither their city nor their ZIP code)."""
    clinician = findings.clinician
    given = {
        (match.license.city or "", (match.license.postal_code or "")[:5])
        for match in findings.confirmed
        if from_registry(match.license) and clinician.npi and match.license.npi == clinician.npi
    }
    elsewhere = [
        " ".join(part for part in (city, postal_code) if part)
        for city, postal_code in sorted(given)
        if (city or postal_code) and places and not places & {fold_name(city), postal_code}
    ]
    return [
        Reason(
            "%(name)s: the NPI registry gives their practice address as %(place)s, at none of "
            "this clinic's locations.",
            name=clinician.name,
            place=place,
        )
        for place in elsewhere
    ]


def from_registry(license: License) -> bool:
    """Whether a licence row is a self-reported pointer from the NPI registry, not a record."""
    return license.status == LicenseStatus.UNKNOWN and license.npi is not None


def _may_prescribe(clinician: Clinician, states: set[str], rules: PrescriberRules) -> bool:
    """Whether the clinician's credentials allow them to stand behind treatment (unknown: yes)."""
    types = license_types_for(clinician.credentials or ())
    if not types:
        return True
    where: set[str | None] = set(states) or {None}
    return any(rules.may_prescribe(kind, state) for kind in types for state in where)


def _prescriber(match: LicenseMatch, rules: PrescriberRules) -> bool:
    return rules.may_prescribe(match.license.license_type, match.license.state)


def _active(match: LicenseMatch, as_of: date, rules: PrescriberRules) -> bool:
    """An active licence of a type that may stand behind treatment where it was issued."""
    status = effective_status(match.license, as_of)
    return _prescriber(match, rules) and status is LicenseStatus.ACTIVE


def _problems(
    findings: ClinicianFindings, states: set[str], as_of: date, rules: PrescriberRules
) -> list[str]:
    """Why this clinician makes the listing a licence problem, if they do."""
    name = findings.clinician.name
    reasons: list[str] = [_excluded(name, m.exclusion) for m in findings.exclusions]
    prescriber = [m for m in findings.confirmed if _prescriber(m, rules)]
    for match in prescriber:
        status = effective_status(match.license, as_of)
        if status in DISCIPLINE:
            reasons.append(
                Reason(
                    "%(name)s's %(licence)s is %(status)s.",
                    name=name,
                    licence=_describe(match.license),
                    status=STATUS_WORDS[status],
                )
            )
    in_state = [m for m in prescriber if m.license.state in states]
    statuses = {effective_status(m.license, as_of) for m in in_state}
    if LicenseStatus.EXPIRED in statuses and LicenseStatus.ACTIVE not in statuses:
        expired = next(
            m for m in in_state if effective_status(m.license, as_of) is LicenseStatus.EXPIRED
        )
        reasons.append(_expired(name, expired.license))
    return reasons


def _excluded(name: str, exclusion: Exclusion) -> Reason:
    """That a clinician is excluded, and since when if the list says."""
    if exclusion.excluded_on is None:
        return Reason("%(name)s is on the OIG exclusion list.", name=name)
    return Reason(
        "%(name)s is on the OIG exclusion list since %(day)s.",
        name=name,
        day=exclusion.excluded_on,
    )


def _expired(name: str, license: License) -> Reason:
    """That a clinician's licence has expired, and when if the record says."""
    if license.expiration_date is None:
        return Reason("%(name)s's %(licence)s has expired.", name=name, licence=_describe(license))
    return Reason(
        "%(name)s's %(licence)s expired on %(day)s.",
        name=name,
        licence=_describe(license),
        day=license.expiration_date,
    )


def _holding(findings: list[ClinicianFindings], matches: list[LicenseMatch]) -> list[str]:
    """Who holds which active licence, found how."""
    holders = {id(m): f.clinician.name for f in findings for m in f.licenses}
    return [
        Reason(
            "%(name)s holds an active %(licence)s (%(source)s, matched by %(how)s).",
            name=holders[id(m)],
            licence=_describe(m.license),
            source=m.license.source_name,
            how=MATCH_WORDS[m.how],
        )
        for m in matches
    ]


def _conditions(matches: list[LicenseMatch], rules: PrescriberRules) -> list[str]:
    """The conditions on practice that come with these licences, each said once."""
    found = (
        rules.for_state(m.license.state).conditions.get(m.license.license_type) for m in matches
    )
    return [Reason(condition) for condition in dict.fromkeys(found) if condition]


def _unmatched(findings: list[ClinicianFindings]) -> list[str]:
    """Why nothing verified: who was not matched, and what was only self-reported."""
    reasons: list[str] = []
    for f in findings:
        unknown = [m for m in f.confirmed if m.license.status == LicenseStatus.UNKNOWN]
        namesakes = [m for m in f.licenses if m.ambiguous]
        weak = [m for m in f.licenses if m.candidate]
        if namesakes:
            reasons.append(
                Reason(
                    "%(name)s: several licence holders share this name (%(listed)s) and nothing "
                    "tells which one works here, so none is counted.",
                    name=f.clinician.name,
                    listed=[_describe(m.license) for m in namesakes],
                )
            )
        elif weak and not f.confirmed:
            reasons.append(
                Reason(
                    "%(name)s: a licence record in a similar name (%(listed)s) may be theirs, but "
                    "the names are not close enough to count until a maintainer confirms it.",
                    name=f.clinician.name,
                    listed=[_describe_held(m.license) for m in weak],
                )
            )
        elif unknown:
            reasons.append(
                Reason(
                    "%(name)s: the NPI registry lists %(listed)s, but no state source confirms "
                    "its status.",
                    name=f.clinician.name,
                    listed=[_describe(m.license) for m in unknown],
                )
            )
        elif not f.licenses:
            reasons.append(
                Reason(
                    "%(name)s could not be matched to any licence record.", name=f.clinician.name
                )
            )
        else:
            reasons.append(
                Reason(
                    "%(name)s holds no active licence of a prescriber type.", name=f.clinician.name
                )
            )
    return reasons


def _evidence(findings: ClinicianFindings, as_of: date) -> list[dict[str, Any]]:
    """The evidence objects for one clinician (see docs/contracts.md)."""
    clinician = findings.clinician
    entries: list[dict[str, Any]] = []
    for match in findings.licenses:
        license = match.license
        entries.append(
            {
                "kind": "license",
                "clinician_id": clinician.id,
                "clinician": clinician.name,
                "license_id": license.id,
                "source": license.source_name,
                "source_url": license.source_url,
                "retrieved_at": license.retrieved_at.isoformat(),
                "state": license.state,
                "type": license.license_type,
                "number": license.license_number,
                "status": effective_status(license, as_of).value,
                "expires": _day(license.expiration_date),
                "match": match.how,
                "score": round(match.score, 1),
                "ambiguous": match.ambiguous,
                "candidate": match.candidate,
                "why": match.why,
            }
        )
    for excluded in findings.exclusions:
        exclusion = excluded.exclusion
        entries.append(
            {
                "kind": "exclusion",
                "clinician_id": clinician.id,
                "clinician": clinician.name,
                "exclusion_id": exclusion.id,
                "source": exclusion.source_name,
                "source_url": exclusion.source_url,
                "retrieved_at": exclusion.retrieved_at.isoformat(),
                "excluded_on": _day(exclusion.excluded_on),
                "exclusion_type": exclusion.exclusion_type,
                "match": excluded.how,
                "why": f"on the OIG exclusion list since {_day(exclusion.excluded_on)} "
                f"({exclusion.exclusion_type}), matched by {excluded.how}",
            }
        )
    return entries


def _describe(license: License) -> Reason:
    """ "MD licence Q1234 in TX"."""
    return Reason(
        "%(type)s licence %(number)s in %(state)s",
        type=license.license_type,
        number=license.license_number,
        state=license.state,
    )


def _describe_held(license: License) -> Reason:
    """ "Jane Doe, MD licence Q1234 in TX"."""
    return Reason("%(holder)s, %(licence)s", holder=license.full_name, licence=_describe(license))


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None
