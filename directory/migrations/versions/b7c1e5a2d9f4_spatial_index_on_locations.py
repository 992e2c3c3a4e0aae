"""spatial index on locations

Revision ID: b7c1e5a2d9f4
Revises: 98ad68e27be7
Create Date: 2026-12-01 07:00:00.000000

An R*Tree kept in step by triggers on SQLite; a GiST index on the points as PostGIS geography
on PostgreSQL when the server has PostGIS. A later batch migration of `locations` on SQLite
recreates the table and loses its triggers: call `create_indexes` again after it.
"""

from collections.abc import Sequence

from alembic import op

from directory import spatial

revision: str = 'b7c1e5a2d9f4'
down_revision: str | None = '98ad68e27be7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    spatial.create_indexes(op.get_bind())


def downgrade() -> None:
    spatial.drop_indexes(op.get_bind())
