"""covering indexes for search

Revision ID: d9e4a1c7f3b2
Revises: f7b3d2c8a915
Create Date: 2026-12-02 05:10:00.000000

Search looks up each location the spatial index finds by its id (for its clinic and
coordinates), then that clinic (for its verdict and name). These indexes hold what it reads,
so each look-up reads a small index rather than a wide row.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d9e4a1c7f3b2"
down_revision: str | None = "f7b3d2c8a915"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_clinics_search", "clinics", ["id", "verdict", "name"])
    op.create_index("ix_locations_search", "locations", ["id", "clinic_id", "lat", "lon"])


def downgrade() -> None:
    op.drop_index("ix_locations_search", table_name="locations")
    op.drop_index("ix_clinics_search", table_name="clinics")
