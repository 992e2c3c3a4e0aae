"""typed dates in stored reasons

Revision ID: f7b3d2c8a915
Revises: e5f1a9c3b702
Create Date: 2026-12-01 16:30:00.000000

Reasons stored before dates were typed keep their date as ISO text under the param `day` (the
only name a date was ever given); this writes each as the typed form, `{"date": "2026-10-01"}`,
so that reading a reason has one rule. The verdict history keeps every row, so old ones would
otherwise stay in the legacy form for good. Rows are read a batch at a time, in id order.
"""

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "f7b3d2c8a915"
down_revision: str | None = "e5f1a9c3b702"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATE_PARAM = "day"
BATCH = 1000
Rewrite = Callable[[str, Any], Any]
"""What becomes of one param, given its name and stored value."""
verifications = sa.table(
    "verifications", sa.column("id", sa.Integer), sa.column("reasons", sa.JSON)
)


def upgrade() -> None:
    _rewrite_reasons(_typed)


def downgrade() -> None:
    _rewrite_reasons(_untyped)


def _rewrite_reasons(rewrite: Rewrite) -> None:
    """Apply `rewrite` to every stored reason, writing back the rows it changes."""
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(verifications.c.id, verifications.c.reasons)
            .where(verifications.c.id > last_id)
            .order_by(verifications.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, reasons in rows:
            rewritten = [_each_reason(reason, rewrite) for reason in reasons or []]
            if rewritten != (reasons or []):
                connection.execute(
                    verifications.update()
                    .where(verifications.c.id == row_id)
                    .values(reasons=rewritten)
                )
        last_id = rows[-1][0]


def _each_reason(stored: Any, rewrite: Rewrite) -> Any:
    """A stored reason with `rewrite(key, value)` applied to its params, nested reasons too."""
    if not isinstance(stored, dict) or "params" not in stored:
        return stored  # a reason stored as plain text
    params = {key: rewrite(key, _nested(value, rewrite)) for key, value in stored["params"].items()}
    return stored | {"params": params}


def _nested(value: Any, rewrite: Rewrite) -> Any:
    if isinstance(value, list):
        return [_each_reason(item, rewrite) for item in value]
    return _each_reason(value, rewrite)


def _typed(key: str, value: Any) -> Any:
    """ISO text under `day` as the typed date; anything else (unreadable text too) as it is."""
    if key != DATE_PARAM or not isinstance(value, str):
        return value
    try:
        return {"date": date.fromisoformat(value).isoformat()}
    except ValueError:
        return value


def _untyped(key: str, value: Any) -> Any:
    """The typed date under `day` back as ISO text."""
    if key == DATE_PARAM and isinstance(value, dict) and set(value) == {"date"}:
        return value["date"]
    return value
