"""operator console: operators and the audit log

Revision ID: 20261122_09_console
Revises: 20261122_06_merge
Create Date: 2026-11-22 05:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import peerx.core.db

revision: str = "20261122_09_console"
down_revision: str | None = "20261122_06_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "console_operators",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("totp_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("totp_last_step", BIGINT, nullable=False),
        sa.Column("failed_attempts", BIGINT, nullable=False),
        sa.Column("locked_until", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("session_nonce", sa.String(length=32), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_operators")),
        sa.UniqueConstraint("email", name=op.f("uq_console_operators_email")),
    )
    op.create_table(
        "console_audit",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("operator_id", BIGINT, nullable=True),
        sa.Column("operator_email", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["console_operators.id"], name=op.f("fk_console_audit_operator_id_console_operators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_audit")),
    )
    with op.batch_alter_table("console_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_audit_operator_id"), ["operator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_console_audit_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_console_audit_subject"), ["subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_console_audit_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("console_audit")
    op.drop_table("console_operators")
