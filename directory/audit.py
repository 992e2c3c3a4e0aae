"""The append-only audit log of maintainers' actions: who, what, when, before and after."""

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.csvfile import csv_text
from directory.models import AuditEntry, User

COMMAND_LINE = "command line"
EXPORT_FIELDS = ("id", "at", "actor", "action", "target", "clinic_id", "before", "after")


def record(
    session: Session,
    actor: User | None,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    clinic_id: int | None = None,
) -> AuditEntry:
    """Append one entry; an action without an account (None) came from the command line."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor=actor.email if actor else COMMAND_LINE,
        action=action,
        target=target,
        clinic_id=clinic_id,
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


def entries(
    session: Session, clinic_id: int | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """Entries newest first: all of them, or those about one listing."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if clinic_id is not None:
        query = query.where(AuditEntry.clinic_id == clinic_id)
    return list(session.scalars(query))


def entry_record(entry: AuditEntry) -> dict[str, Any]:
    """One entry as the JSON export gives it (times in ISO 8601, UTC)."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "clinic_id": entry.clinic_id,
        "before": entry.before,
        "after": entry.after,
    }


def entries_csv(log: list[AuditEntry]) -> str:
    """The entries as CSV, with before and after as JSON text."""
    return csv_text(
        EXPORT_FIELDS,
        (
            entry_record(entry)
            | {
                "before": json.dumps(entry.before, ensure_ascii=False, sort_keys=True),
                "after": json.dumps(entry.after, ensure_ascii=False, sort_keys=True),
            }
            for entry in log
        ),
    )
