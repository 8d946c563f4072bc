"""escrow: face-to-face transactions may skip the remainder (the deposit is the whole price)

Revision ID: 20261122_10_escrow
Revises: 20261122_06_merge
Create Date: 2026-11-22 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import peerx.core.db

revision: str = "20261122_10_escrow"
down_revision: str | None = "20261122_06_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("escrow_p2p_transactions") as batch:
        batch.add_column(sa.Column("remainder_skipped", peerx.core.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escrow_p2p_transactions") as batch:
        batch.drop_column("remainder_skipped")
