"""bitcoin social: chat, ratings, trade outcomes, reputation, referral codes (Peach part 2)

Revision ID: 20261122_08_bitcoin_social
Revises: 20261122_06_merge
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import peerx.core.db

revision: str = "20261122_08_bitcoin_social"
down_revision: str | None = "20261122_06_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["peach_users.id"], name=op.f(f"fk_{table}_{column}_peach_users"))


def upgrade() -> None:
    op.create_table(
        "peach_chat_messages",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("contract_id", sa.String(length=41), nullable=False),
        sa.Column("from_user_id", BIGINT, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("read_by_recipient", sa.Boolean(), nullable=False),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        _user_fk("peach_chat_messages", "from_user_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peach_chat_messages")),
    )
    with op.batch_alter_table("peach_chat_messages", schema=None) as batch_op:
        batch_op.create_index("ix_peach_chat_room", ["contract_id", "id"], unique=False)
        batch_op.create_index(
            "ix_peach_chat_unread", ["contract_id", "from_user_id", "read_by_recipient"], unique=False
        )

    op.create_table(
        "peach_ratings",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("contract_id", sa.String(length=41), nullable=False),
        sa.Column("rater_id", BIGINT, nullable=False),
        sa.Column("rated_id", BIGINT, nullable=False),
        sa.Column("rating", BIGINT, nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        _user_fk("peach_ratings", "rater_id"),
        _user_fk("peach_ratings", "rated_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peach_ratings")),
        sa.UniqueConstraint("contract_id", "rater_id", name=op.f("uq_peach_ratings_contract_id_rater_id")),
    )
    with op.batch_alter_table("peach_ratings", schema=None) as batch_op:
        batch_op.create_index("ix_peach_ratings_rated", ["rated_id", "id"], unique=False)

    op.create_table(
        "peach_trade_outcomes",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("contract_id", sa.String(length=41), nullable=False),
        sa.Column("seller_id", BIGINT, nullable=False),
        sa.Column("buyer_id", BIGINT, nullable=False),
        sa.Column("amount", BIGINT, nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("dispute_opened_by_id", BIGINT, nullable=True),
        sa.Column("dispute_winner_id", BIGINT, nullable=True),
        sa.Column("dispute_loser_id", BIGINT, nullable=True),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        _user_fk("peach_trade_outcomes", "seller_id"),
        _user_fk("peach_trade_outcomes", "buyer_id"),
        _user_fk("peach_trade_outcomes", "dispute_opened_by_id"),
        _user_fk("peach_trade_outcomes", "dispute_winner_id"),
        _user_fk("peach_trade_outcomes", "dispute_loser_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peach_trade_outcomes")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_peach_trade_outcomes_contract_id")),
    )
    with op.batch_alter_table("peach_trade_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peach_trade_outcomes_seller_id"), ["seller_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peach_trade_outcomes_buyer_id"), ["buyer_id"], unique=False)

    op.create_table(
        "peach_reputation",
        sa.Column("user_id", BIGINT, nullable=False),
        sa.Column("peach_rating_milli", BIGINT, nullable=False),
        sa.Column("user_rating_milli", BIGINT, nullable=False),
        sa.Column("history_rating_milli", BIGINT, nullable=False),
        sa.Column("recent_rating_milli", BIGINT, nullable=False),
        sa.Column("medals", sa.JSON(), nullable=False),
        sa.Column("disputes_opened", BIGINT, nullable=False),
        sa.Column("disputes_won", BIGINT, nullable=False),
        sa.Column("disputes_lost", BIGINT, nullable=False),
        sa.Column("referred_trading_amount", BIGINT, nullable=False),
        sa.Column("free_trades", BIGINT, nullable=False),
        sa.Column("max_free_trades", BIGINT, nullable=False),
        sa.Column("updated_at", peerx.core.db.UTCDateTime(), nullable=False),
        _user_fk("peach_reputation", "user_id"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_peach_reputation")),
    )

    op.create_table(
        "peach_referral_codes",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("user_id", BIGINT, nullable=False),
        sa.Column("created_at", peerx.core.db.UTCDateTime(), nullable=False),
        _user_fk("peach_referral_codes", "user_id"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_peach_referral_codes")),
    )
    with op.batch_alter_table("peach_referral_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peach_referral_codes_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("peach_referral_codes")
    op.drop_table("peach_reputation")
    op.drop_table("peach_trade_outcomes")
    op.drop_table("peach_ratings")
    op.drop_table("peach_chat_messages")
