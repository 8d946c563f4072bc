"""login lockout shared by every login form (login_throttles); the console's lockout moves there
from console_operators, so unknown emails are counted and locked exactly like known ones

Revision ID: 20261206_15_login_throttles
Revises: 20261206_14_idempotency_keyed
Create Date: 2026-12-06 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import peerx.core.db

revision: str = "20261206_15_login_throttles"
down_revision: str | None = "20261206_14_idempotency_keyed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", BIGINT, nullable=False),
        sa.Column("window_ends_at", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("locked_until", peerx.core.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    # A lock in force at upgrade time is dropped: at most 15 minutes of lockout forgotten once.
    with op.batch_alter_table("console_operators") as batch:
        batch.drop_column("failed_attempts")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("console_operators") as batch:
        batch.add_column(sa.Column("failed_attempts", BIGINT, nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", peerx.core.db.UTCDateTime(), nullable=True))
    op.drop_table("login_throttles")
