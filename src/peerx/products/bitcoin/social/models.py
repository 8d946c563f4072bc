"""Peach's social tables: chat, ratings, trade history, reputation, referral codes.
Contracts are referenced by their wire id ("sellOfferId-buyOfferId") without a foreign key,
so these tables do not depend on the contracts migration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base


class PeachChatMessage(Base):
    """A message's index in its room is its position by id, so two parties posting at once
    never collide on a counter; read markers address those positions."""

    __tablename__ = "peach_chat_messages"
    __table_args__ = (
        Index("ix_peach_chat_room", "contract_id", "id"),
        Index("ix_peach_chat_unread", "contract_id", "from_user_id", "read_by_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[str] = mapped_column(String(41))
    from_user_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"))
    message: Mapped[str] = mapped_column(Text)  # PGP message, stored as sent
    signature: Mapped[str] = mapped_column(Text)  # PGP signature, stored as sent
    read_by_recipient: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class PeachRating(Base):
    __tablename__ = "peach_ratings"
    __table_args__ = (
        UniqueConstraint("contract_id", "rater_id"),  # once per party per contract
        Index("ix_peach_ratings_rated", "rated_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[str] = mapped_column(String(41))
    rater_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"))
    rated_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"))
    rating: Mapped[int]  # 1 or -1
    signature: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class PeachTradeOutcome(Base):
    """One row per finished contract: the history reputation and referral points come from."""

    __tablename__ = "peach_trade_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[str] = mapped_column(String(41), unique=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"), index=True)
    amount: Mapped[int]  # sats
    completed: Mapped[bool]  # bitcoin reached the buyer (released, or a dispute paid the buyer)
    dispute_opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("peach_users.id"))
    dispute_winner_id: Mapped[int | None] = mapped_column(ForeignKey("peach_users.id"))
    dispute_loser_id: Mapped[int | None] = mapped_column(ForeignKey("peach_users.id"))
    created_at: Mapped[datetime]


class PeachReputation(Base):
    """The computed reputation of a user (docs/bitcoin.md, "Reputation"), rewritten whenever
    a rating or trade outcome involving the user is recorded. Ratings in thousandths."""

    __tablename__ = "peach_reputation"

    user_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"), primary_key=True)
    peach_rating_milli: Mapped[int] = mapped_column(default=0)
    user_rating_milli: Mapped[int] = mapped_column(default=0)
    history_rating_milli: Mapped[int] = mapped_column(default=0)
    recent_rating_milli: Mapped[int] = mapped_column(default=0)
    medals: Mapped[list[str]] = mapped_column(JSON, default=list)
    disputes_opened: Mapped[int] = mapped_column(default=0)
    disputes_won: Mapped[int] = mapped_column(default=0)
    disputes_lost: Mapped[int] = mapped_column(default=0)
    referred_trading_amount: Mapped[int] = mapped_column(default=0)  # sats traded by referred users
    free_trades: Mapped[int] = mapped_column(default=0)
    max_free_trades: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]


class PeachReferralCode(Base):
    """Every referral code a user ever had: a user who redeems a new code keeps the old ones
    working (the document)."""

    __tablename__ = "peach_referral_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"), index=True)
    created_at: Mapped[datetime]
