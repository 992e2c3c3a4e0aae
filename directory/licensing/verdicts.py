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
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from directory.licensing.rules import PrescriberRules, default_rules
from directory.models import Clinician, Exclusion, License, Organisation
from directory.normalise.names import fold_name, license_types_for
from directory.vocab import LicenseStatus, Verdict

DISCIPLINE = frozenset(
    {
        LicenseStatus.SUSPENDED,
        LicenseStatus.REVOKED,
        LicenseStatus.SURRENDERED,
        LicenseStatus.PROBATION,
    }
)


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
) -> Assessment:
    """The listing's verdict from what was matched to each of its clinicians."""
    rules = rules or default_rules()
    evidence = [entry for f in findings for entry in _evidence(f, as_of)]
    verdict, reasons = _verdict(states, findings, as_of, rules)
    disagreements = [note for f in findings for note in _disagreements(f)]
    return Assessment(verdict, reasons + disagreements, evidence)


def _verdict(
    states: set[str], findings: list[ClinicianFindings], as_of: date, rules: PrescriberRules
) -> tuple[Verdict, list[str]]:
    """The verdict and the sentences that explain it."""
    if not findings:
        return Verdict.UNVERIFIED, ["The listing names no clinician."]
    problems = [reason for f in findings for reason in _problems(f, states, as_of, rules)]
    if problems:
        return Verdict.LICENSE_PROBLEM, problems
    if not any(_may_prescribe(f.clinician, states, rules) for f in findings):
        named = "; ".join(f.clinician.name for f in findings)
        return Verdict.UNVERIFIED, [
            f"No prescriber named: no one listed ({named}) may stand behind ketamine therapy."
        ]
    active = [m for f in findings for m in f.confirmed if _active(m, as_of, rules)]
    in_state = [m for m in active if m.license.state in states]
    if in_state:
        return Verdict.VERIFIED, _holding(findings, in_state) + _conditions(in_state, rules)
    if active:
        where = ", ".join(sorted(states)) or "the clinic's state"
        return Verdict.OUT_OF_STATE, [
            *_holding(findings, active),
            f"No matched clinician is licensed in {where}.",
        ]
    return Verdict.UNVERIFIED, _unmatched(findings)


def _disagreements(findings: ClinicianFindings) -> list[str]:
    """Where the clinic, the NPI registry and the licence records tell different stories."""
    clinician = findings.clinician
    notes = []
    printed = clinician.license_number
    listed = sorted(
        {m.license.license_number for m in findings.confirmed if from_registry(m.license)}
    )
    if findings.organisation is not None:
        notes.append(
            f"{clinician.name}: the NPI printed for them, {clinician.npi}, belongs to the "
            f"organisation {findings.organisation.name}, not to a person."
        )
    if printed and listed and printed not in listed:
        notes.append(
            f"{clinician.name}: the clinic prints licence number {printed}, but the NPI "
            f"registry lists {', '.join(listed)}."
        )
    for match in findings.confirmed:
        holder = match.license
        exact = match.how in ("npi", "license_number")
        if exact and fold_name(holder.last_name) != fold_name(clinician.last_name):
            notes.append(
                f"{holder.source_name}'s record for {_describe(holder)} is in the name of "
                f"{holder.full_name}, not {clinician.name}."
            )
    return notes


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
    reasons = [
        f"{name} is on the OIG exclusion list since {_day(m.exclusion.excluded_on)}."
        for m in findings.exclusions
    ]
    prescriber = [m for m in findings.confirmed if _prescriber(m, rules)]
    for match in prescriber:
        status = effective_status(match.license, as_of)
        if status in DISCIPLINE:
            reasons.append(f"{name}'s {_describe(match.license)} is {status.value}.")
    in_state = [m for m in prescriber if m.license.state in states]
    statuses = {effective_status(m.license, as_of) for m in in_state}
    if LicenseStatus.EXPIRED in statuses and LicenseStatus.ACTIVE not in statuses:
        expired = next(
            m for m in in_state if effective_status(m.license, as_of) is LicenseStatus.EXPIRED
        )
        reasons.append(
            f"{name}'s {_describe(expired.license)} expired on "
            f"{_day(expired.license.expiration_date)}."
        )
    return reasons


def _holding(findings: list[ClinicianFindings], matches: list[LicenseMatch]) -> list[str]:
    """Who holds which active licence, found how."""
    holders = {id(m): f.clinician.name for f in findings for m in f.licenses}
    return [
        f"{holders[id(m)]} holds an active {_describe(m.license)} "
        f"({m.license.source_name}, matched by {m.how.replace('_', ' ')})."
        for m in matches
    ]


def _conditions(matches: list[LicenseMatch], rules: PrescriberRules) -> list[str]:
    """The conditions on practice that come with these licences, each said once."""
    found = (
        rules.for_state(m.license.state).conditions.get(m.license.license_type) for m in matches
    )
    return [condition for condition in dict.fromkeys(found) if condition]


def _unmatched(findings: list[ClinicianFindings]) -> list[str]:
    """Why nothing verified: who was not matched, and what was only self-reported."""
    reasons = []
    for f in findings:
        unknown = [m for m in f.confirmed if m.license.status == LicenseStatus.UNKNOWN]
        namesakes = [m for m in f.licenses if m.ambiguous]
        weak = [m for m in f.licenses if m.candidate]
        if namesakes:
            listed = ", ".join(_describe(m.license) for m in namesakes)
            reasons.append(
                f"{f.clinician.name}: several licence holders share this name ({listed}) and "
                "nothing tells which one works here, so none is counted."
            )
        elif weak and not f.confirmed:
            listed = ", ".join(f"{m.license.full_name}, {_describe(m.license)}" for m in weak)
            reasons.append(
                f"{f.clinician.name}: a licence record in a similar name ({listed}) may be "
                "theirs, but the names are not close enough to count until a maintainer "
                "confirms it."
            )
        elif unknown:
            listed = ", ".join(_describe(m.license) for m in unknown)
            reasons.append(
                f"{f.clinician.name}: the NPI registry lists {listed}, but no state source "
                "confirms its status."
            )
        elif not f.licenses:
            reasons.append(f"{f.clinician.name} could not be matched to any licence record.")
        else:
            reasons.append(f"{f.clinician.name} holds no active licence of a prescriber type.")
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


def _describe(license: License) -> str:
    """ "MD licence Q1234 in TX"."""
    return f"{license.license_type} licence {license.license_number} in {license.state}"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None
