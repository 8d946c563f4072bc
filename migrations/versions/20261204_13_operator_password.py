"""console: operators choose their own password at first login (password_changed_at)

Revision ID: 20261204_13_operator_password
Revises: 20261204_12_free_trades
Create Date: 2026-12-04 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import peerx.core.db

revision: str = "20261204_13_operator_password"
down_revision: str | None = "20261204_12_free_trades"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("console_operators") as batch:
        batch.add_column(sa.Column("password_changed_at", peerx.core.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("console_operators") as batch:
        batch.drop_column("password_changed_at")
