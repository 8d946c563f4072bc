"""Trustap escrow tables: users who log in, OAuth2 clients/codes/tokens, charge calculator
versions, online transactions and notifications. Secrets (passwords, client secrets, codes,
tokens) are stored only as hashes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base


class EscrowJob(StrEnum):
    """Escrow's job kinds (their handlers: tasks.py)."""

    CARRIER_POLL = "escrow.carrier_poll"
    CARD_REFUND = "escrow.card_refund"
    PAYOUT = "escrow.payout"
    COMPLAINT_PERIOD = "escrow.complaint_period"
    TRACKING_DEADLINE = "escrow.tracking_deadline"
    P2P_DEPOSIT_ACCEPTANCE = "escrow.p2p_deposit_acceptance"
    P2P_COMPLAINT_PERIOD = "escrow.p2p_complaint_period"


class TransactionStatus(StrEnum):
    """A transaction's status as the document prints it. Both kinds share the first and last
    ones; each kind moves through its own steps between them."""

    CREATED = "created"
    JOINED = "joined"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    # online (basic) only
    PAID = "paid"
    TRACKED = "tracked"
    DELIVERED = "delivered"
    # face to face (p2p) only
    DEPOSIT_PAID = "deposit_paid"
    DEPOSIT_ACCEPTED = "deposit_accepted"
    PRICED = "priced"
    REMAINDER_PAID = "remainder_paid"
    HANDOVER_CONFIRMED = "handover_confirmed"
    # both, once paid
    COMPLAINED = "complained"
    FUNDS_RELEASED = "funds_released"
    FUNDS_REFUNDED = "funds_refunded"


class EscrowUser(Base):
    __tablename__ = "escrow_users"

    id: Mapped[int] = mapped_column(primary_key=True)  # the wire's buyer_id / seller_id
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    personal: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # address, dob, tos_acceptance
    country_code: Mapped[str | None] = mapped_column(String(2))
    credit_account: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # masked view only
    credit_account_secret: Mapped[str | None] = mapped_column(Text)  # AES-GCM: the account number
    created_at: Mapped[datetime]


class OAuthClient(Base):
    __tablename__ = "escrow_oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)  # receives webhooks
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    scope: Mapped[str] = mapped_column(Text)  # scopes the client may ask for
    livemode: Mapped[bool]
    created_at: Mapped[datetime]
    # The API shape its responses take (shapes.py): "document" or "openapi", chosen when registered.
    shape: Mapped[str] = mapped_column(String(10), default="document", server_default="document")


class OAuthCode(Base):
    __tablename__ = "escrow_oauth_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("escrow_users.id"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(200))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    nonce: Mapped[str | None] = mapped_column(String(255))  # OpenID Connect: echoed in the ID token


class OAuthToken(Base):
    __tablename__ = "escrow_oauth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("escrow_users.id"), index=True)
    scope: Mapped[str] = mapped_column(Text)
    livemode: Mapped[bool]
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime | None]
    access_revoked_at: Mapped[datetime | None]
    refresh_revoked_at: Mapped[datetime | None]


class ChargeVersion(Base):
    """One version of the fee calculator for one (model, currency, payment method). Rows are never
    changed, so any old version can still be computed."""

    __tablename__ = "escrow_charge_versions"
    __table_args__ = (UniqueConstraint("version", "model", "currency", "payment_method"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(index=True)
    model: Mapped[str] = mapped_column(String(10))  # online | p2p
    currency: Mapped[str] = mapped_column(String(3))  # lower case, as on the wire
    payment_method: Mapped[str] = mapped_column(String(30))
    buyer_pct: Mapped[Decimal]
    buyer_fixed: Mapped[int]
    seller_pct: Mapped[Decimal]
    seller_fixed: Mapped[int]
    min_price: Mapped[int]
    created_at: Mapped[datetime]


class TransactionColumns:
    """The columns both kinds of transaction open with (kernel.opening): a user made it through a
    client, in one mode and currency, and the other party joins with the join code. A mixin: each
    kind keeps its own table."""

    id: Mapped[int] = mapped_column(primary_key=True)
    livemode: Mapped[bool]
    client_id: Mapped[str] = mapped_column(String(64))
    client_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    join_code: Mapped[str] = mapped_column(String(36), unique=True)
    creator_role: Mapped[str] = mapped_column(String(6))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("escrow_users.id"))
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("escrow_users.id"))
    currency: Mapped[str] = mapped_column(String(3))


class EscrowTransaction(TransactionColumns, Base):
    __tablename__ = "escrow_transactions"
    __table_args__ = (
        Index("ix_escrow_transactions_seller", "seller_id", "id"),
        Index("ix_escrow_transactions_buyer", "buyer_id", "id"),
    )

    status: Mapped[str] = mapped_column(String(20))  # TransactionStatus
    price: Mapped[int]
    charge: Mapped[int]  # paid by the buyer on top of price
    charge_seller: Mapped[int]  # kept from the seller's price
    charge_calculator_version: Mapped[int]
    payment_method: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    listing_id: Mapped[int | None]
    created: Mapped[datetime]
    joined: Mapped[datetime | None]
    rejected: Mapped[datetime | None]
    cancelled: Mapped[datetime | None]
    paid: Mapped[datetime | None]
    tracked: Mapped[datetime | None]
    tracking_carrier: Mapped[str | None] = mapped_column(String(10))
    tracking_code: Mapped[str | None] = mapped_column(String(100))
    tracking_details_deadline: Mapped[datetime | None]
    delivered: Mapped[datetime | None]
    complaint_period_deadline: Mapped[datetime | None]
    complaint_period_ended: Mapped[datetime | None]  # ended early by the buyer
    complained: Mapped[datetime | None]
    complaint: Mapped[str | None] = mapped_column(Text)
    funds_released: Mapped[datetime | None]
    payment_refunded: Mapped[datetime | None]
    payin_id: Mapped[str | None] = mapped_column(String(100))
    payin_started: Mapped[datetime | None]  # a card charge is in flight (three-step pay)
    payin_attempt: Mapped[int] = mapped_column(default=0)  # bumped after a definitive failure
    payin_token: Mapped[str | None] = mapped_column(String(200))
    seller_hold_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    fee_hold_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    updated_at: Mapped[datetime]


class EscrowNotification(Base):
    __tablename__ = "escrow_notifications"
    __table_args__ = (Index("ix_escrow_notifications_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("escrow_users.id"))
    description: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(String(60))  # basic/1309
    created: Mapped[datetime]
    read: Mapped[datetime | None]


class EscrowP2PTransaction(TransactionColumns, Base):
    """A face-to-face transaction: a deposit paid ahead, the rest paid at the meeting."""

    __tablename__ = "escrow_p2p_transactions"
    __table_args__ = (
        Index("ix_escrow_p2p_transactions_seller", "seller_id", "id"),
        Index("ix_escrow_p2p_transactions_buyer", "buyer_id", "id"),
    )

    status: Mapped[str] = mapped_column(String(24))  # TransactionStatus
    description: Mapped[str] = mapped_column(Text)
    listing_id: Mapped[int | None]
    deposit_price: Mapped[int]
    deposit_charge: Mapped[int]
    deposit_charge_seller: Mapped[int]
    deposit_calc_version: Mapped[int]
    price: Mapped[int | None]  # the full price, set by the seller at the meeting
    charge: Mapped[int | None]
    charge_seller: Mapped[int | None]
    calc_version: Mapped[int | None]
    created: Mapped[datetime]
    joined: Mapped[datetime | None]
    rejected: Mapped[datetime | None]
    cancelled: Mapped[datetime | None]
    cancelled_by: Mapped[int | None]
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    deposit_paid: Mapped[datetime | None]
    deposit_acceptance_deadline: Mapped[datetime | None]
    deposit_accepted: Mapped[datetime | None]
    priced: Mapped[datetime | None]
    remainder_skipped: Mapped[datetime | None]  # the deposit is the whole price
    remainder_paid: Mapped[datetime | None]
    buyer_handover_confirmed: Mapped[datetime | None]
    seller_handover_confirmed: Mapped[datetime | None]
    complaint_period_deadline: Mapped[datetime | None]
    complained: Mapped[datetime | None]
    complaint: Mapped[str | None] = mapped_column(Text)
    funds_released: Mapped[datetime | None]
    deposit_refunded: Mapped[datetime | None]
    refunded: Mapped[datetime | None]
    amount_refunded: Mapped[int | None]
    deposit_payin_id: Mapped[str | None] = mapped_column(String(100))
    remainder_payin_id: Mapped[str | None] = mapped_column(String(100))
    deposit_seller_hold_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    deposit_fee_hold_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    remainder_seller_hold_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    remainder_fee_hold_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    payin_stage: Mapped[str | None] = mapped_column(String(10))  # deposit | remainder, while in flight
    payin_started: Mapped[datetime | None]
    payin_attempt: Mapped[int] = mapped_column(default=0)
    payin_token: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime]
    # The deposit's payment method (set_deposit_payment_method); its fees are the deposit_* columns.
    deposit_payment_method: Mapped[str] = mapped_column(String(30), default="card", server_default="card")


class EscrowListing(Base):
    """A single-use listing (online `basic` or face-to-face `p2p`): one transaction may be made
    from it, after which it is used up."""

    __tablename__ = "escrow_listings"
    __table_args__ = (Index("ix_escrow_listings_creator", "creator_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(5))  # basic | p2p
    livemode: Mapped[bool]
    client_id: Mapped[str] = mapped_column(String(64))
    client_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("escrow_users.id"))
    currency: Mapped[str | None] = mapped_column(String(3))
    price: Mapped[int | None]  # basic: the price; p2p: the deposit price
    charge: Mapped[int | None]
    charge_seller: Mapped[int | None]
    calc_version: Mapped[int | None]
    description: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime]
    deleted: Mapped[datetime | None]
    transaction_id: Mapped[int | None]  # set once used


class EscrowPayout(Base):
    """The seller's released balance on its way to the credit account through a payout rail."""

    __tablename__ = "escrow_payouts"
    __table_args__ = (Index("ix_escrow_payouts_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("escrow_users.id"))
    livemode: Mapped[bool]
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int]
    method: Mapped[str] = mapped_column(String(10))  # bank
    account_secret: Mapped[str] = mapped_column(Text)  # AES-GCM, as on the user
    reference: Mapped[str] = mapped_column(String(36), unique=True)
    status: Mapped[str] = mapped_column(String(12))  # pending | processing | succeeded | failed
    rail: Mapped[str | None] = mapped_column(String(30))
    hold_id: Mapped[int] = mapped_column(ForeignKey("ledger_transfers.id"))
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    finished: Mapped[datetime | None]
