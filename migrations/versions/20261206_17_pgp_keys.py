"""bitcoin: every PGP key a user proved (peach_pgp_keys), served as `pgpPublicKeys`; the key each
user has now is copied in, so the list is complete from the start. It also joins the two heads
(20261206_16_trustap_scopes was put on the escrow branch, beside 20261206_15), so the history
has one head again.

Revision ID: 20261206_17_pgp_keys
Revises: 20261206_15_login_throttles, 20261206_16_trustap_scopes
Create Date: 2026-12-06 11:30:00.000000
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import peerx.core.db

revision: str = "20261206_17_pgp_keys"
down_revision: str | tuple[str, ...] | None = ("20261206_15_login_throttles", "20261206_16_trustap_scopes")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    keys = op.create_table(
        "peach_pgp_keys",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("user_id", BIGINT, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("proof", sa.String(length=200), nullable=False),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["peach_users.id"], name=op.f("fk_peach_pgp_keys_user_id_peach_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peach_pgp_keys")),
        sa.UniqueConstraint("user_id", "key_hash", name=op.f("uq_peach_pgp_keys_user_id_key_hash")),
    )
    with op.batch_alter_table("peach_pgp_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peach_pgp_keys_user_id"), ["user_id"], unique=False)
    users = sa.table(
        "peach_users",
        sa.column("id", BIGINT),
        sa.column("pgp_public_key", sa.Text()),
        sa.column("pgp_public_key_proof", sa.String()),
        sa.column("updated_at", peerx.core.db.UTCDateTime()),
    )
    rows = op.get_bind().execute(
        sa.select(users.c.id, users.c.pgp_public_key, users.c.pgp_public_key_proof, users.c.updated_at).where(
            users.c.pgp_public_key.is_not(None), users.c.pgp_public_key_proof.is_not(None)
        )
    )
    copied = [
        {
            "user_id": user_id,
            "key_hash": hashlib.sha256(key.encode()).hexdigest(),
            "public_key": key,
            "proof": proof,
            "created_at": updated,
        }
        for user_id, key, proof, updated in rows
    ]
    if copied:
        op.bulk_insert(keys, copied)


def downgrade() -> None:
    with op.batch_alter_table("peach_pgp_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peach_pgp_keys_user_id"))
    op.drop_table("peach_pgp_keys")
