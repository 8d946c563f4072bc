"""bitcoin: the app's v069 surface: trade requests, their chat, v069 buy offer terms, v069 self-user settings

Revision ID: 20261206_19_v069
Revises: 20261206_18_chat
Create Date: 2026-12-06 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import peerx.core.db

revision: str = "20261206_19_v069"
down_revision: str | None = "20261206_18_chat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peach_trade_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payment_method", sa.String(length=80), nullable=False),
        sa.Column("currency", sa.String(length=6), nullable=False),
        sa.Column("payment_data_hashed", sa.JSON(), nullable=False),
        sa.Column("payment_data_encrypted", sa.Text(), nullable=False),
        sa.Column("payment_data_signature", sa.Text(), nullable=False),
        sa.Column("symmetric_key_encrypted", sa.Text(), nullable=False),
        sa.Column("symmetric_key_signature", sa.Text(), nullable=False),
        sa.Column("max_mining_fee_rate", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("release_address", sa.String(length=100), nullable=True),
        sa.Column("release_address_signature", sa.String(length=200), nullable=True),
        sa.Column("price_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("contract_id", sa.String(length=41), nullable=True),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["peach_offers.id"], name=op.f("fk_peach_trade_requests_offer_id_peach_offers")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["peach_users.id"], name=op.f("fk_peach_trade_requests_user_id_peach_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peach_trade_requests")),
        sa.UniqueConstraint("offer_id", "user_id", name=op.f("uq_peach_trade_requests_offer_id_user_id")),
    )
    op.create_index(op.f("ix_peach_trade_requests_offer_id"), "peach_trade_requests", ["offer_id"], unique=False)
    op.create_index(op.f("ix_peach_trade_requests_user_id"), "peach_trade_requests", ["user_id"], unique=False)
    op.create_table(
        "peach_trade_request_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("trade_request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("encrypted_message", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("seen", sa.Boolean(), nullable=False),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trade_request_id"],
            ["peach_trade_requests.id"],
            name=op.f("fk_peach_trade_request_messages_trade_request_id_peach_trade_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peach_trade_request_messages")),
    )
    op.create_index(
        op.f("ix_peach_trade_request_messages_trade_request_id"),
        "peach_trade_request_messages",
        ["trade_request_id"],
        unique=False,
    )
    op.create_table(
        "peach_buy_offer_terms",
        sa.Column("offer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("instant_trade_criteria", sa.JSON(), nullable=True),
        sa.Column("experience_level", sa.String(length=24), nullable=True),
        sa.Column("multi", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["peach_offers.id"], name=op.f("fk_peach_buy_offer_terms_offer_id_peach_offers")
        ),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_peach_buy_offer_terms")),
    )
    op.create_table(
        "peach_user_settings69",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("offer_alerts_active", sa.Boolean(), nullable=False),
        sa.Column("last_address_used_index", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("encrypted_payment_data", sa.Text(), nullable=True),
        sa.Column("encrypted_payment_data_signature", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["peach_users.id"], name=op.f("fk_peach_user_settings69_user_id_peach_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_peach_user_settings69")),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_peach_trade_request_messages_trade_request_id"), table_name="peach_trade_request_messages")
    op.drop_table("peach_trade_request_messages")
    op.drop_index(op.f("ix_peach_trade_requests_user_id"), table_name="peach_trade_requests")
    op.drop_index(op.f("ix_peach_trade_requests_offer_id"), table_name="peach_trade_requests")
    op.drop_table("peach_trade_requests")
    op.drop_table("peach_buy_offer_terms")
    op.drop_table("peach_user_settings69")
