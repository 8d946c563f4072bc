"""Voucher tables. A code is never stored: only its keyed hash (HMAC-SHA256 with the server
pepper, unique, so a code is found in O(1) and can never be issued twice) and its last 4 digits."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base


class VoucherStatus(StrEnum):
    """A voucher's state as stored; "expired" is also computed from expires_at (service.effective_status)."""

    ACTIVE = "active"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    VOID = "void"


class VoucherOrder(Base):
    """One call to /voucher-issue: what the vendor bought and paid."""

    __tablename__ = "voucher_orders"
    __table_args__ = (Index("ix_voucher_orders_party_created", "party_id", "livemode", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(String(10), unique=True)  # the wire's order_id
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    livemode: Mapped[bool]
    currency: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[int]
    amount: Mapped[int]  # face value of each voucher, cents
    face_total: Mapped[int]  # amount x quantity
    fee: Mapped[int]
    total_charged: Mapped[int]  # face_total + fee: what left the vendor's balance
    mail_message_id: Mapped[int | None] = mapped_column(ForeignKey("mail_messages.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Voucher(Base):
    __tablename__ = "vouchers"
    __table_args__ = (Index("ix_vouchers_status_expires", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_pk: Mapped[int] = mapped_column(ForeignKey("voucher_orders.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))  # the issuing vendor
    livemode: Mapped[bool]
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last4: Mapped[str] = mapped_column(String(4))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int]  # cents
    status: Mapped[str] = mapped_column(String(10))  # VoucherStatus
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    redeemed_by: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    voided_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    # The ledger movement that settled the voucher (redemption credit, void or expiry refund).
    settled_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    updated_at: Mapped[datetime]
