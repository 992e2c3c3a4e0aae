"""location opening hours

Revision ID: a4e9c2d7b6f1
Revises: 5d0e8a3c41b7
Create Date: 2026-12-01 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a4e9c2d7b6f1'
down_revision: str | None = '5d0e8a3c41b7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Known locations have no hours yet: the default fills them, then the models' own applies.
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hours', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.alter_column('hours', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_column('hours')
