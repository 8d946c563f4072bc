"""bitcoin contracts: matches and contracts (Peach part 2)

Revision ID: 20261122_07_bitcoin_contracts
Revises: 20261122_06_merge
Create Date: 2026-11-22 05:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import peerx.core.db

revision: str = "20261122_07_bitcoin_contracts"
down_revision: str | None = "20261122_06_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peach_matches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("buy_offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sell_offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=6), nullable=False),
        sa.Column("payment_method", sa.String(length=80), nullable=False),
        sa.Column("price_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("premium_bp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("symmetric_key_encrypted", sa.Text(), nullable=False),
        sa.Column("symmetric_key_signature", sa.Text(), nullable=False),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["buy_offer_id"], ["peach_offers.id"], name=op.f("fk_peach_matches_buy_offer_id_peach_offers")
        ),
        sa.ForeignKeyConstraint(
            ["sell_offer_id"], ["peach_offers.id"], name=op.f("fk_peach_matches_sell_offer_id_peach_offers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peach_matches")),
        sa.UniqueConstraint("buy_offer_id", "sell_offer_id", name=op.f("uq_peach_matches_buy_offer_id_sell_offer_id")),
    )
    with op.batch_alter_table("peach_matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peach_matches_buy_offer_id"), ["buy_offer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peach_matches_sell_offer_id"), ["sell_offer_id"], unique=False)

    op.create_table(
        "peach_contracts",
        sa.Column("id", sa.String(length=41), nullable=False),
        sa.Column("sell_offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("buy_offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("buyer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("escrow_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=6), nullable=False),
        sa.Column("payment_method", sa.String(length=80), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("price_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("premium_bp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("limit_value_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("buyer_fee", peerx.core.db.DecimalText(length=40), nullable=False),
        sa.Column("seller_fee", peerx.core.db.DecimalText(length=40), nullable=False),
        sa.Column("release_address", sa.String(length=100), nullable=False),
        sa.Column("hashed_payment_data", sa.JSON(), nullable=False),
        sa.Column("payment_data_encrypted", sa.Text(), nullable=False),
        sa.Column("payment_data_signature", sa.Text(), nullable=False),
        sa.Column("symmetric_key_encrypted", sa.Text(), nullable=False),
        sa.Column("symmetric_key_signature", sa.Text(), nullable=False),
        sa.Column("trade_status", sa.String(length=40), nullable=False),
        sa.Column("payment_expected_by", peerx.core.db.UTCDateTime(), nullable=False),
        sa.Column("payment_made", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("payment_confirmed", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("canceled", sa.Boolean(), nullable=False),
        sa.Column("canceled_by", sa.String(length=8), nullable=True),
        sa.Column("cancelation_requested", sa.Boolean(), nullable=False),
        sa.Column("cancelation_requested_at", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("release_psbt", sa.Text(), nullable=True),
        sa.Column("release_fee", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("escrow_fee_sats", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("release_transaction", sa.Text(), nullable=True),
        sa.Column("release_txid", sa.String(length=64), nullable=True),
        sa.Column("refund_txid", sa.String(length=64), nullable=True),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("batch_release_psbt", sa.Text(), nullable=True),
        sa.Column("batch_signed_input", sa.Text(), nullable=True),
        sa.Column("dispute_active", sa.Boolean(), nullable=False),
        sa.Column("dispute_initiator_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("dispute_reason", sa.String(length=40), nullable=True),
        sa.Column("dispute_message", sa.Text(), nullable=True),
        sa.Column("dispute_email", sa.String(length=320), nullable=True),
        sa.Column("dispute_counterparty_email", sa.String(length=320), nullable=True),
        sa.Column("dispute_date", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("dispute_acknowledged_by_counterparty", sa.Boolean(), nullable=False),
        sa.Column("dispute_symmetric_key_encrypted", sa.Text(), nullable=True),
        sa.Column("dispute_winner", sa.String(length=6), nullable=True),
        sa.Column("dispute_outcome", sa.String(length=20), nullable=True),
        sa.Column("dispute_resolved_date", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("dispute_outcome_acknowledged_by", sa.JSON(), nullable=False),
        sa.Column("rating_buyer", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("rating_seller", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["buy_offer_id"], ["peach_offers.id"], name=op.f("fk_peach_contracts_buy_offer_id_peach_offers")
        ),
        sa.ForeignKeyConstraint(["buyer_id"], ["peach_users.id"], name=op.f("fk_peach_contracts_buyer_id_peach_users")),
        sa.ForeignKeyConstraint(
            ["dispute_initiator_id"],
            ["peach_users.id"],
            name=op.f("fk_peach_contracts_dispute_initiator_id_peach_users"),
        ),
        sa.ForeignKeyConstraint(
            ["escrow_id"], ["peach_escrows.id"], name=op.f("fk_peach_contracts_escrow_id_peach_escrows")
        ),
        sa.ForeignKeyConstraint(
            ["sell_offer_id"], ["peach_offers.id"], name=op.f("fk_peach_contracts_sell_offer_id_peach_offers")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["peach_users.id"], name=op.f("fk_peach_contracts_seller_id_peach_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peach_contracts")),
        sa.UniqueConstraint("sell_offer_id", name=op.f("uq_peach_contracts_sell_offer_id")),
    )
    with op.batch_alter_table("peach_contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peach_contracts_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peach_contracts_buy_offer_id"), ["buy_offer_id"], unique=False)
        batch_op.create_index("ix_peach_contracts_buyer", ["buyer_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_peach_contracts_dispute_active"), ["dispute_active"], unique=False)
        batch_op.create_index("ix_peach_contracts_due", ["trade_status", "payment_expected_by"], unique=False)
        batch_op.create_index("ix_peach_contracts_seller", ["seller_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("peach_contracts", schema=None) as batch_op:
        batch_op.drop_index("ix_peach_contracts_seller")
        batch_op.drop_index("ix_peach_contracts_due")
        batch_op.drop_index(batch_op.f("ix_peach_contracts_dispute_active"))
        batch_op.drop_index("ix_peach_contracts_buyer")
        batch_op.drop_index(batch_op.f("ix_peach_contracts_buy_offer_id"))
        batch_op.drop_index(batch_op.f("ix_peach_contracts_batch_id"))

    op.drop_table("peach_contracts")
    with op.batch_alter_table("peach_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peach_matches_sell_offer_id"))
        batch_op.drop_index(batch_op.f("ix_peach_matches_buy_offer_id"))

    op.drop_table("peach_matches")
