"""data generation for search caches

Revision ID: e5f1a9c3b702
Revises: a4e9c2d7b6f1
Create Date: 2026-12-01 13:20:00.000000

A one-row counter and the triggers that bump it whenever a table a search reads is written
(`directory.generation`). Like the R*Tree's, SQLite's triggers go when a later batch migration
rebuilds one of those tables: call `generation.create_triggers` again after it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from directory import generation

revision: str = 'e5f1a9c3b702'
down_revision: str | None = 'a4e9c2d7b6f1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('data_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation'))
    )
    generation.create_triggers(op.get_bind())


def downgrade() -> None:
    generation.drop_triggers(op.get_bind())
    op.drop_table('data_generation')
