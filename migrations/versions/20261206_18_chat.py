"""bitcoin: the platform's PGP key pair (peach_platform_keys), created once and shared by every
server; the secret key is stored encrypted with the field cipher

Revision ID: 20261206_18_chat
Revises: 20261206_17_pgp_keys
Create Date: 2026-12-06 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import peerx.core.db

revision: str = "20261206_18_chat"
down_revision: str | None = "20261206_17_pgp_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peach_platform_keys",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("secret_key_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_peach_platform_keys")),
    )


def downgrade() -> None:
    op.drop_table("peach_platform_keys")
