"""locks owned by runs, and daily verdict counts

Revision ID: 5d0e8a3c41b7
Revises: 1f5447849869
Create Date: 2026-12-01 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5d0e8a3c41b7'
down_revision: str | None = '1f5447849869'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('verdict_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('listings', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verdict_counts')),
    sa.UniqueConstraint('day', 'state', 'verdict', name=op.f('uq_verdict_counts_day_state_verdict'))
    )
    with op.batch_alter_table('verdict_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verdict_counts_day'), ['day'], unique=False)

    # A lock held by a run is now owned by the run's name for it, so any process may renew it.
    op.execute("UPDATE crawl_locks SET holder = 'run:' || run_id WHERE run_id IS NOT NULL")
    with op.batch_alter_table('crawl_locks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_crawl_locks_run_id_crawl_runs'), type_='foreignkey')
        batch_op.drop_column('run_id')


def downgrade() -> None:
    with op.batch_alter_table('crawl_locks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_crawl_locks_run_id_crawl_runs'), 'crawl_runs', ['run_id'], ['id'], ondelete='SET NULL')
    op.execute(
        "UPDATE crawl_locks SET run_id = CAST(substr(holder, 5) AS INTEGER) WHERE holder LIKE 'run:%'"
    )

    with op.batch_alter_table('verdict_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verdict_counts_day'))

    op.drop_table('verdict_counts')
