"""Peex remittance tables: partner profiles, the registry of platform users (beneficiaries
known by email), senders, and the transactions themselves."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base


class RemittanceStatus(StrEnum):
    """A remittance's `status` on the wire (the document's, plus the waits peerx names)."""

    NEW = "new"
    PENDING = "pending"
    MW_BALANCE_PENDING = "mw_balance_pending"
    BALANCE_PENDING = "balance_pending"
    MAX_AMOUNT = "max_amount"
    PAID = "paid"
    FAILED = "failed"
    CANCELED = "canceled"
    REJECTED = "rejected"


class Partner(Base):
    """What clients/me shows besides the party's name and email, and the partner's terms."""

    __tablename__ = "remittance_partners"

    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    adress: Mapped[str | None] = mapped_column(String(300))  # sic: the document's spelling
    web_site: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    live_endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoints.id"))
    test_endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoints.id"))
    mtn_fees: Mapped[int]  # XAF per transaction paid to an MTN wallet
    orange_fees: Mapped[int]  # XAF per transaction paid to an Orange wallet
    max_amount: Mapped[int | None]  # XAF per transaction; None: the platform's default
    is_activated: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Beneficiary(Base):
    """A platform user: someone a partner can pay by email alone. Kept by operators."""

    __tablename__ = "remittance_beneficiaries"
    __table_args__ = (UniqueConstraint("livemode", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    livemode: Mapped[bool]
    email: Mapped[str] = mapped_column(String(254))  # lower-cased
    msisdn: Mapped[str] = mapped_column(String(15))  # 237..., an MTN or Orange Cameroon wallet
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Sender(Base):
    """A partner's customer, known by phone number: names are required on the first transaction."""

    __tablename__ = "remittance_senders"
    __table_args__ = (UniqueConstraint("party_id", "livemode", "msisdn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    livemode: Mapped[bool]
    msisdn: Mapped[str] = mapped_column(String(15))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class Transaction(Base):
    __tablename__ = "remittance_transactions"
    __table_args__ = (
        UniqueConstraint("party_id", "livemode", "track_id"),
        Index("ix_remittance_transactions_party_created", "party_id", "livemode", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    livemode: Mapped[bool]
    track_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True)
    type: Mapped[str] = mapped_column(String(20))  # "mobile"
    identifier_by: Mapped[str] = mapped_column(String(254))  # the email or +phone the partner gave
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("remittance_beneficiaries.id"))
    msisdn: Mapped[str] = mapped_column(String(15))  # the wallet paid, 237...
    network: Mapped[str] = mapped_column(String(10))  # mtn | orange
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    to_country: Mapped[str] = mapped_column(String(2))
    amount: Mapped[int]  # minor units of from_currency
    from_currency: Mapped[str] = mapped_column(String(3))
    to_currency: Mapped[str] = mapped_column(String(3))
    fxrate: Mapped[Decimal]
    to_amount: Mapped[int]  # XAF paid to the wallet: amount x fxrate, rounded half up
    fee: Mapped[int]  # XAF, the partner's fee for the network
    sender_id: Mapped[int] = mapped_column(ForeignKey("remittance_senders.id"))
    sender_first_name: Mapped[str] = mapped_column(String(100))
    sender_last_name: Mapped[str] = mapped_column(String(100))
    sender_email: Mapped[str | None] = mapped_column(String(254))
    sender_mobile_phone: Mapped[str] = mapped_column(String(16))
    sender_country: Mapped[str] = mapped_column(String(2))
    purpose: Mapped[str] = mapped_column(String(255))
    fund_origin: Mapped[str] = mapped_column(String(255))
    payment_proof: Mapped[str | None] = mapped_column(Text)
    # Money: the partner's hold (amount + fee) and the float reservation (None: float untracked).
    hold_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    float_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    # Payout: a new UUID4 per attempt (an operator's retry after `failed`), reused on every re-ask.
    payout_reference: Mapped[str] = mapped_column(String(36), unique=True)
    rail: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[datetime | None]
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    # Waiting states (balance_pending, mw_balance_pending, max_amount): since when, and which wait.
    waiting_since: Mapped[datetime | None]
    cycle: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
