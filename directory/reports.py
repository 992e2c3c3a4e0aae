"""The advocates' report: every public listing whose verdict is not `verified`, by state, with
the reasons and the evidence behind each verdict, as JSON or CSV."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.csvfile import csv_text
from directory.listings import newest_verification, under_review
from directory.models import Clinic
from directory.overrides import active_override
from directory.vocab import Verdict

CSV_FIELDS = (
    "state",
    "listing_id",
    "name",
    "cities",
    "website",
    "verdict",
    "checked_at",
    "override",
    "under_review",
    "reasons",
    "evidence",
)
NO_STATE = "unknown"


def advocates_report(session: Session, state: str | None = None) -> list[dict[str, Any]]:
    """One row per listing and state it practises in, ordered by state and then name."""
    query = (
        select(Clinic)
        .where(Clinic.verdict != Verdict.VERIFIED, ~Clinic.removal.has())
        .options(
            selectinload(Clinic.locations),
            selectinload(Clinic.verifications),
            selectinload(Clinic.overrides),
            selectinload(Clinic.flags),
        )
    )
    rows = [
        _row(clinic, where)
        for clinic in session.scalars(query)
        for where in sorted({loc.state for loc in clinic.locations if loc.state} or {NO_STATE})
        if state is None or where == state
    ]
    return sorted(rows, key=lambda row: (row["state"], row["name"].casefold(), row["listing_id"]))


def _row(clinic: Clinic, state: str) -> dict[str, Any]:
    """A listing's verdict, its reasons and evidence, for one of its states."""
    verification = newest_verification(clinic)
    override = active_override(clinic)
    return {
        "state": state,
        "listing_id": clinic.id,
        "name": clinic.name,
        "cities": sorted({loc.city for loc in clinic.locations if loc.city and loc.state == state}),
        "website": clinic.website,
        "verdict": str(clinic.verdict),
        "checked_at": _iso(verification.checked_at) if verification else None,
        "override": (
            {
                "verdict": str(override.verdict),
                "reason": override.reason,
                "set_at": _iso(override.set_at),
            }
            if override
            else None
        ),
        "under_review": under_review(clinic),
        "reasons": list(verification.reasons) if verification else [],
        "evidence": list(verification.evidence) if verification else [],
    }


def report_json(rows: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The report grouped by state, as the JSON download gives it."""
    states: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        states.setdefault(row["state"], []).append({k: v for k, v in row.items() if k != "state"})
    return {
        "generated_at": _iso(now),
        "verdicts": sorted(v.value for v in Verdict if v is not Verdict.VERIFIED),
        "total": len(rows),
        "states": [{"state": state, "listings": listings} for state, listings in states.items()],
    }


def report_csv(rows: list[dict[str, Any]]) -> str:
    """The report as CSV: one line per listing and state; lists joined with " | "."""
    return csv_text(CSV_FIELDS, (_flat(row) for row in rows))


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """A report row with its lists and objects written out as text."""
    override = row["override"]
    return row | {
        "cities": " | ".join(row["cities"]),
        "override": f"{override['verdict']}: {override['reason']}" if override else "",
        "under_review": "yes" if row["under_review"] else "no",
        "reasons": " | ".join(row["reasons"]),
        "evidence": " | ".join(_evidence_text(item) for item in row["evidence"]),
    }


def _evidence_text(item: dict[str, Any]) -> str:
    """One piece of evidence in a line: who, what was found, where."""
    where = f"{item.get('source')}, {item.get('source_url')}"
    return f"{item.get('clinician')}: {item.get('why')} ({where})"


def _iso(moment: datetime) -> str:
    """A time in ISO 8601, UTC."""
    return moment.astimezone(UTC).isoformat()
