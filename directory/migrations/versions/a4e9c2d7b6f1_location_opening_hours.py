"""location opening hours

Revision ID: a4e9c2d7b6f1
Revises: 5d3d9637a12c
Create Date: 2026-12-01 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a4e9c2d7b6f1'
down_revision: str | None = '5d3d9637a12c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: rebuilding the table on SQLite would drop its R*Tree triggers.
    op.add_column('locations', sa.Column('hours', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    op.drop_column('locations', 'hours')
