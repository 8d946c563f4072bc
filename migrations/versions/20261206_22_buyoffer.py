"""bitcoin: v069 buy-offer trades: a contract waits for the seller's escrow, the buyer's payment data of an accepted request

Revision ID: 20261206_22_buyoffer
Revises: 20261206_21_instant
Depends on: 20261122_07_bitcoin_contracts (peach_contracts is on the other branch of the heads:
20261206_16_trustap_scopes, and so this chain, forks from 20261122_10_escrow)
Create Date: 2026-12-06 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_22_buyoffer"
down_revision: str | None = "20261206_21_instant"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("peach_contracts", schema=None) as batch_op:
        batch_op.alter_column(
            "escrow_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        )
    with op.batch_alter_table("peach_trade_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_payment_data_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("owner_payment_data_signature", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("peach_trade_requests", schema=None) as batch_op:
        batch_op.drop_column("owner_payment_data_signature")
        batch_op.drop_column("owner_payment_data_encrypted")
    with op.batch_alter_table("peach_contracts", schema=None) as batch_op:
        batch_op.alter_column(
            "escrow_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        )
