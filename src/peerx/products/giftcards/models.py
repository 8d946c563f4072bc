"""Gift-card desk tables."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base


class TradeStatus(StrEnum):
    """A trade's review outcome, as trades.php and trade-status.php print it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


TRADE_STATUSES = tuple(TradeStatus)


class WithdrawalStatus(StrEnum):
    """A withdrawal's payout, as withdrawals.php prints it."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class Rate(Base):
    __tablename__ = "giftcard_rates"
    __table_args__ = (UniqueConstraint("card_type_id", "country", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_type_id: Mapped[int]
    card_name: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(60))
    currency: Mapped[str] = mapped_column(String(3))
    rate_per_unit: Mapped[Decimal]  # GHS paid per unit of the card's currency
    platform_fee_pct: Mapped[Decimal]
    active: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Trade(Base):
    __tablename__ = "giftcard_trades"
    __table_args__ = (Index("ix_giftcard_trades_party_created", "party_id", "livemode", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    livemode: Mapped[bool]
    status: Mapped[str] = mapped_column(String(12), index=True)  # TradeStatus
    rate_id: Mapped[int] = mapped_column(ForeignKey("giftcard_rates.id"))
    card_type_id: Mapped[int]
    card_name: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(60))
    currency: Mapped[str] = mapped_column(String(3))
    card_amount: Mapped[int]  # face value per card, minor units of `currency`
    approved_card_amount: Mapped[int | None]  # set when an operator approves less
    quantity: Mapped[int]
    rate_per_unit: Mapped[Decimal]  # snapshot of the rate in force at submission
    platform_fee_pct: Mapped[Decimal]
    gross_payout: Mapped[int]  # pesewas
    fee: Mapped[int]
    net_payout: Mapped[int]
    notes: Mapped[str | None] = mapped_column(Text)
    card_number_encrypted: Mapped[str | None] = mapped_column(Text)
    card_number_last4: Mapped[str | None] = mapped_column(String(4))
    front_image_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    back_image_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    receipt_image_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    credit_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]


class Withdrawal(Base):
    __tablename__ = "giftcard_withdrawals"
    __table_args__ = (Index("ix_giftcard_withdrawals_party_created", "party_id", "livemode", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    livemode: Mapped[bool]
    # pending (held, not yet sent) -> processing (sent, outcome awaited) -> completed | failed
    status: Mapped[str] = mapped_column(String(12), index=True)
    amount: Mapped[int]  # pesewas
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(20))
    account_name: Mapped[str] = mapped_column(String(100))
    account_number: Mapped[str] = mapped_column(String(40))  # normalized (233... for mobile money)
    bank_name: Mapped[str | None] = mapped_column(String(100))
    hold_transfer_id: Mapped[int] = mapped_column(ForeignKey("ledger_transfers.id"))
    payout_reference: Mapped[str] = mapped_column(String(36), unique=True)  # UUID4 sent to the rail
    rail: Mapped[str | None] = mapped_column(String(20))
    sent_at: Mapped[datetime | None]
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
