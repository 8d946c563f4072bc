"""escrow

Revision ID: 20261122_04_escrow
Revises: 20261122_01_core_giftcards
Create Date: 2026-11-22 02:56:47.797750
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import peerx.core.db

revision: str = "20261122_04_escrow"
down_revision: str | None = "20261122_01_core_giftcards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "escrow_charge_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("model", sa.String(length=10), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_method", sa.String(length=30), nullable=False),
        sa.Column("buyer_pct", peerx.core.db.DecimalText(length=40), nullable=False),
        sa.Column("buyer_fixed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seller_pct", peerx.core.db.DecimalText(length=40), nullable=False),
        sa.Column("seller_fixed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("min_price", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_charge_versions")),
        sa.UniqueConstraint(
            "version",
            "model",
            "currency",
            "payment_method",
            name=op.f("uq_escrow_charge_versions_version_model_currency_payment_method"),
        ),
    )
    with op.batch_alter_table("escrow_charge_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escrow_charge_versions_version"), ["version"], unique=False)
    op.create_table(
        "escrow_users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("personal", sa.JSON(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("credit_account", sa.JSON(), nullable=True),
        sa.Column("credit_account_secret", sa.Text(), nullable=True),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_users")),
        sa.UniqueConstraint("email", name=op.f("uq_escrow_users_email")),
    )
    op.create_table(
        "escrow_listings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("creator_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("price", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("charge", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("charge_seller", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("calc_version", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created", peerx.core.db.UTCDateTime(), nullable=False),
        sa.Column("deleted", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("transaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_party_id"], ["parties.id"], name=op.f("fk_escrow_listings_client_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"], ["escrow_users.id"], name=op.f("fk_escrow_listings_creator_id_escrow_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_listings")),
    )
    with op.batch_alter_table("escrow_listings", schema=None) as batch_op:
        batch_op.create_index("ix_escrow_listings_creator", ["creator_id", "id"], unique=False)
    op.create_table(
        "escrow_notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("target", sa.String(length=60), nullable=False),
        sa.Column("created", peerx.core.db.UTCDateTime(), nullable=False),
        sa.Column("read", peerx.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["escrow_users.id"], name=op.f("fk_escrow_notifications_user_id_escrow_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_notifications")),
    )
    with op.batch_alter_table("escrow_notifications", schema=None) as batch_op:
        batch_op.create_index("ix_escrow_notifications_user", ["user_id", "id"], unique=False)
    op.create_table(
        "escrow_oauth_clients",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_escrow_oauth_clients_party_id_parties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_oauth_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_escrow_oauth_clients_client_id")),
    )
    with op.batch_alter_table("escrow_oauth_clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escrow_oauth_clients_party_id"), ["party_id"], unique=False)
    op.create_table(
        "escrow_oauth_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(length=200), nullable=True),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=True),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", peerx.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["escrow_users.id"], name=op.f("fk_escrow_oauth_codes_user_id_escrow_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_oauth_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_escrow_oauth_codes_code_hash")),
    )
    op.create_table(
        "escrow_oauth_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_token_hash", sa.String(length=64), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("issued_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.Column("refresh_expires_at", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("access_revoked_at", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("refresh_revoked_at", peerx.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["escrow_users.id"], name=op.f("fk_escrow_oauth_tokens_user_id_escrow_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_oauth_tokens")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_escrow_oauth_tokens_access_token_hash")),
        sa.UniqueConstraint("refresh_token_hash", name=op.f("uq_escrow_oauth_tokens_refresh_token_hash")),
    )
    with op.batch_alter_table("escrow_oauth_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escrow_oauth_tokens_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_escrow_oauth_tokens_user_id"), ["user_id"], unique=False)
    op.create_table(
        "escrow_p2p_transactions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("join_code", sa.String(length=36), nullable=False),
        sa.Column("creator_role", sa.String(length=6), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("buyer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("listing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("deposit_price", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("deposit_charge", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("deposit_charge_seller", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("deposit_calc_version", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("price", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("charge", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("charge_seller", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("calc_version", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created", peerx.core.db.UTCDateTime(), nullable=False),
        sa.Column("joined", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("rejected", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("cancelled", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.Column("deposit_paid", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("deposit_acceptance_deadline", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("deposit_accepted", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("priced", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("remainder_paid", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("buyer_handover_confirmed", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("seller_handover_confirmed", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("complaint_period_deadline", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("complained", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("complaint", sa.Text(), nullable=True),
        sa.Column("funds_released", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("deposit_refunded", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("refunded", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("amount_refunded", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("deposit_payin_id", sa.String(length=100), nullable=True),
        sa.Column("remainder_payin_id", sa.String(length=100), nullable=True),
        sa.Column("deposit_seller_hold_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("deposit_fee_hold_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("remainder_seller_hold_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("remainder_fee_hold_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("payin_stage", sa.String(length=10), nullable=True),
        sa.Column("payin_started", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("payin_attempt", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payin_token", sa.String(length=200), nullable=True),
        sa.Column("updated_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["escrow_users.id"], name=op.f("fk_escrow_p2p_transactions_buyer_id_escrow_users")
        ),
        sa.ForeignKeyConstraint(
            ["client_party_id"], ["parties.id"], name=op.f("fk_escrow_p2p_transactions_client_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["deposit_fee_hold_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_escrow_p2p_transactions_deposit_fee_hold_id_ledger_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["deposit_seller_hold_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_escrow_p2p_transactions_deposit_seller_hold_id_ledger_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["remainder_fee_hold_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_escrow_p2p_transactions_remainder_fee_hold_id_ledger_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["remainder_seller_hold_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_escrow_p2p_transactions_remainder_seller_hold_id_ledger_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["escrow_users.id"], name=op.f("fk_escrow_p2p_transactions_seller_id_escrow_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_p2p_transactions")),
        sa.UniqueConstraint("join_code", name=op.f("uq_escrow_p2p_transactions_join_code")),
    )
    with op.batch_alter_table("escrow_p2p_transactions", schema=None) as batch_op:
        batch_op.create_index("ix_escrow_p2p_transactions_buyer", ["buyer_id", "id"], unique=False)
        batch_op.create_index("ix_escrow_p2p_transactions_seller", ["seller_id", "id"], unique=False)
    op.create_table(
        "escrow_payouts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("account_secret", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("rail", sa.String(length=30), nullable=True),
        sa.Column("hold_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider_reference", sa.String(length=100), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("created", peerx.core.db.UTCDateTime(), nullable=False),
        sa.Column("sent_at", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("finished", peerx.core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["ledger_transfers.id"], name=op.f("fk_escrow_payouts_hold_id_ledger_transfers")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["escrow_users.id"], name=op.f("fk_escrow_payouts_user_id_escrow_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_payouts")),
        sa.UniqueConstraint("reference", name=op.f("uq_escrow_payouts_reference")),
    )
    with op.batch_alter_table("escrow_payouts", schema=None) as batch_op:
        batch_op.create_index("ix_escrow_payouts_user", ["user_id", "id"], unique=False)
    op.create_table(
        "escrow_transactions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("join_code", sa.String(length=36), nullable=False),
        sa.Column("creator_role", sa.String(length=6), nullable=False),
        sa.Column("seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("buyer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("charge", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("charge_seller", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("charge_calculator_version", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payment_method", sa.String(length=30), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("listing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created", peerx.core.db.UTCDateTime(), nullable=False),
        sa.Column("joined", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("rejected", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("cancelled", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("paid", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("tracked", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("tracking_carrier", sa.String(length=10), nullable=True),
        sa.Column("tracking_code", sa.String(length=100), nullable=True),
        sa.Column("tracking_details_deadline", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("delivered", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("complaint_period_deadline", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("complaint_period_ended", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("complained", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("complaint", sa.Text(), nullable=True),
        sa.Column("funds_released", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("payment_refunded", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("payin_id", sa.String(length=100), nullable=True),
        sa.Column("payin_started", peerx.core.db.UTCDateTime(), nullable=True),
        sa.Column("payin_attempt", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payin_token", sa.String(length=200), nullable=True),
        sa.Column("seller_hold_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("fee_hold_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_at", peerx.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["escrow_users.id"], name=op.f("fk_escrow_transactions_buyer_id_escrow_users")
        ),
        sa.ForeignKeyConstraint(
            ["client_party_id"], ["parties.id"], name=op.f("fk_escrow_transactions_client_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["fee_hold_id"], ["ledger_transfers.id"], name=op.f("fk_escrow_transactions_fee_hold_id_ledger_transfers")
        ),
        sa.ForeignKeyConstraint(
            ["seller_hold_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_escrow_transactions_seller_hold_id_ledger_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["escrow_users.id"], name=op.f("fk_escrow_transactions_seller_id_escrow_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_transactions")),
        sa.UniqueConstraint("join_code", name=op.f("uq_escrow_transactions_join_code")),
    )
    with op.batch_alter_table("escrow_transactions", schema=None) as batch_op:
        batch_op.create_index("ix_escrow_transactions_buyer", ["buyer_id", "id"], unique=False)
        batch_op.create_index("ix_escrow_transactions_seller", ["seller_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("escrow_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_escrow_transactions_seller")
        batch_op.drop_index("ix_escrow_transactions_buyer")
    op.drop_table("escrow_transactions")
    with op.batch_alter_table("escrow_payouts", schema=None) as batch_op:
        batch_op.drop_index("ix_escrow_payouts_user")
    op.drop_table("escrow_payouts")
    with op.batch_alter_table("escrow_p2p_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_escrow_p2p_transactions_seller")
        batch_op.drop_index("ix_escrow_p2p_transactions_buyer")
    op.drop_table("escrow_p2p_transactions")
    with op.batch_alter_table("escrow_oauth_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escrow_oauth_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_escrow_oauth_tokens_client_id"))
    op.drop_table("escrow_oauth_tokens")
    op.drop_table("escrow_oauth_codes")
    with op.batch_alter_table("escrow_oauth_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escrow_oauth_clients_party_id"))
    op.drop_table("escrow_oauth_clients")
    with op.batch_alter_table("escrow_notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_escrow_notifications_user")
    op.drop_table("escrow_notifications")
    with op.batch_alter_table("escrow_listings", schema=None) as batch_op:
        batch_op.drop_index("ix_escrow_listings_creator")
    op.drop_table("escrow_listings")
    op.drop_table("escrow_users")
    with op.batch_alter_table("escrow_charge_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escrow_charge_versions_version"))
    op.drop_table("escrow_charge_versions")
