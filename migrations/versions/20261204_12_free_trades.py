"""bitcoin: a contract records whether the buyer spent a free trade on it (returned if it fails)

Revision ID: 20261204_12_free_trades
Revises: 20261122_11_merge
Create Date: 2026-12-04 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_12_free_trades"
down_revision: str | None = "20261122_11_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("peach_contracts") as batch:
        batch.add_column(sa.Column("free_trade", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("peach_contracts") as batch:
        batch.drop_column("free_trade")
