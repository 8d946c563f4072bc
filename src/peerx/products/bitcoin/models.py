"""Peach tables. Users are identified by their secp256k1 public key; offers are buy (bid) or
sell (ask); a sell offer's escrow is a 2-of-2 P2WSH between the seller and a platform key
derived for that offer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from peerx.core.db import Base


class PeachJob(StrEnum):
    """Peach's job kinds (their handlers: products/bitcoin/tasks.py)."""

    COPY_REPUTATION = "peach.copy_reputation"
    PAYMENT_DEADLINE = "peach.payment_deadline"
    RELEASE_BATCH = "peach.release_batch"
    DISPUTE_PAYOUT = "peach.dispute_payout"
    WATCH_ESCROW = "peach.watch_escrow"
    PUSH = "peach.push"


class TradeStatus(StrEnum):
    """An offer's or contract's `tradeStatus`, as the Peach document and app spell it."""

    SEARCHING_FOR_PEER = "searchingForPeer"
    CREATE_ESCROW = "createEscrow"
    FUND_ESCROW = "fundEscrow"
    WAITING_FOR_FUNDING = "waitingForFunding"
    ESCROW_WAITING_FOR_CONFIRMATION = "escrowWaitingForConfirmation"
    FUNDING_AMOUNT_DIFFERENT = "fundingAmountDifferent"
    FUNDING_EXPIRED = "fundingExpired"
    HAS_MATCHES_AVAILABLE = "hasMatchesAvailable"
    OFFER_HIDDEN = "offerHidden"
    OFFER_HIDDEN_WITH_MATCHES_AVAILABLE = "offerHiddenWithMatchesAvailable"
    REFUND_OR_REVIVE_REQUIRED = "refundOrReviveRequired"
    REFUND_TX_SIGNATURE_REQUIRED = "refundTxSignatureRequired"
    OFFER_CANCELED = "offerCanceled"
    PAYMENT_REQUIRED = "paymentRequired"
    CONFIRM_PAYMENT_REQUIRED = "confirmPaymentRequired"
    PAYOUT_PENDING = "payoutPending"
    TRADE_COMPLETED = "tradeCompleted"
    TRADE_CANCELED = "tradeCanceled"
    PAYMENT_TOO_LATE = "paymentTooLate"
    CONFIRM_CANCELATION = "confirmCancelation"


class FundingState(StrEnum):
    """An escrow's funding `status` (the document's FundingStatus values)."""

    NULL = "NULL"
    MEMPOOL = "MEMPOOL"
    FUNDED = "FUNDED"
    WRONG_FUNDING_AMOUNT = "WRONG_FUNDING_AMOUNT"
    CANCELED = "CANCELED"


class PeachUser(Base):
    __tablename__ = "peach_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_key: Mapped[str] = mapped_column(String(66), unique=True)  # the wire's user id
    unique_id: Mapped[str | None] = mapped_column(String(200))
    # Reputation in thousandths, -1000..1000 (part 2 computes it from ratings).
    rating_milli: Mapped[int] = mapped_column(default=0, index=True)
    rating_count: Mapped[int] = mapped_column(default=0)
    trades: Mapped[int] = mapped_column(default=0)
    pgp_public_key: Mapped[str | None] = mapped_column(Text)
    pgp_public_key_proof: Mapped[str | None] = mapped_column(String(200))
    fcm_token: Mapped[str | None] = mapped_column(String(500))
    referral_code: Mapped[str] = mapped_column(String(16), unique=True)
    used_referral_code: Mapped[str | None] = mapped_column(String(16))
    bonus_points: Mapped[int] = mapped_column(default=0)
    fee_rate: Mapped[str | None] = mapped_column(String(20))  # a number (sat/vB) or a fee name
    batching: Mapped[bool] = mapped_column(default=False)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PeachAuthMessage(Base):
    """Auth messages already used: a signed message authenticates once."""

    __tablename__ = "peach_auth_messages"
    __table_args__ = (UniqueConstraint("public_key", "message"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_key: Mapped[str] = mapped_column(String(66))
    message: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(index=True)


class PeachToken(Base):
    __tablename__ = "peach_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256; the token is shown once
    user_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"), index=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]


class PeachBlock(Base):
    __tablename__ = "peach_blocks"
    __table_args__ = (UniqueConstraint("user_id", "blocked_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"))
    blocked_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"), index=True)
    created_at: Mapped[datetime]


class PeachPaymentHash(Base):
    """Payment data hashes and the account using them: one person's IBAN is one account's."""

    __tablename__ = "peach_payment_hashes"

    id: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"), index=True)
    created_at: Mapped[datetime]


class PeachPrice(Base):
    __tablename__ = "peach_prices"

    pair: Mapped[str] = mapped_column(String(12), primary_key=True)  # BTCEUR
    price: Mapped[Decimal]
    updated_at: Mapped[datetime]


class PeachReport(Base):
    __tablename__ = "peach_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    topic: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("peach_users.id"))
    created_at: Mapped[datetime]


class PeachOffer(Base):
    __tablename__ = "peach_offers"
    __table_args__ = (
        # Search: online offers of a type in each sort order (bestReputation, lowestPremium,
        # highestAmount, highestPrice), so a page is read from one index range, not sorted.
        Index("ix_peach_offers_search_reputation", "online", "type", "rating_milli", "id"),
        Index("ix_peach_offers_search_premium", "online", "type", "premium_bp", "id"),
        Index("ix_peach_offers_search_amount", "online", "type", "amount_max", "id"),
        Index("ix_peach_offers_search_price", "online", "type", "price_weight", "id"),
        # Their ids in order: capped counts read it alone, or merge it with a method's offer ids.
        Index("ix_peach_offers_search_id", "online", "type", "id"),
        Index("ix_peach_offers_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"))
    type: Mapped[str] = mapped_column(String(3))  # bid (buy) | ask (sell)
    amount_min: Mapped[int]  # sats; an ask has one amount: min == max
    amount_max: Mapped[int]
    # Premiums in hundredths of a percent (8.06 % = 806), integers so search can order by them.
    premium_bp: Mapped[int | None]  # asks
    max_premium_bp: Mapped[int | None]  # bids
    min_reputation: Mapped[Decimal | None]
    # Search keys kept on the row so each sort order is an index order: the owner's reputation
    # (a copy of peach_users.rating_milli, rewritten by reputation.set_reputation) and the price
    # weight amount_max x (10000 + premium_bp), which orders prices the same in every currency
    # (set before every insert and update, below).
    rating_milli: Mapped[int] = mapped_column(default=0)
    price_weight: Mapped[int] = mapped_column(default=0)
    means_of_payment: Mapped[dict[str, Any]] = mapped_column(JSON)
    payment_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    release_address: Mapped[str | None] = mapped_column(String(100))
    message_signature: Mapped[str | None] = mapped_column(String(200))
    return_address: Mapped[str | None] = mapped_column(String(100))
    online: Mapped[bool] = mapped_column(default=False)
    trade_status: Mapped[str] = mapped_column(String(50))
    escrow_fee: Mapped[Decimal]
    canceled: Mapped[bool] = mapped_column(default=False)
    refunded: Mapped[bool] = mapped_column(default=False)
    released: Mapped[bool] = mapped_column(default=False)
    revived_from_id: Mapped[int | None] = mapped_column(ForeignKey("peach_offers.id"))
    publishing_date: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def premium(self) -> Decimal | None:
        return None if self.premium_bp is None else Decimal(self.premium_bp) / 100

    @premium.setter
    def premium(self, value: Decimal | None) -> None:
        self.premium_bp = None if value is None else int(value * 100)

    @property
    def max_premium(self) -> Decimal | None:
        return None if self.max_premium_bp is None else Decimal(self.max_premium_bp) / 100

    @max_premium.setter
    def max_premium(self, value: Decimal | None) -> None:
        self.max_premium_bp = None if value is None else int(value * 100)


def price_weight(amount_max: int, premium_bp: int | None) -> int:
    return amount_max * (10_000 + (premium_bp or 0))


@event.listens_for(PeachOffer, "before_insert")
@event.listens_for(PeachOffer, "before_update")
def _price_weight(mapper: Mapper[PeachOffer], connection: object, offer: PeachOffer) -> None:
    offer.price_weight = price_weight(offer.amount_max, offer.premium_bp)


class PeachOfferMethod(Base):
    """One row per (currency, payment method) of an offer: search filters on it by index."""

    __tablename__ = "peach_offer_methods"
    __table_args__ = (
        UniqueConstraint("offer_id", "currency", "method"),
        Index("ix_peach_offer_methods_lookup", "currency", "method", "offer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("peach_offers.id"))
    currency: Mapped[str] = mapped_column(String(6))
    method: Mapped[str] = mapped_column(String(80))


class PeachEscrow(Base):
    __tablename__ = "peach_escrows"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("peach_offers.id"), unique=True)
    key_index: Mapped[int]  # platform key: m/48'/0'/0'/0/<key_index> (the first offer's id)
    seller_public_key: Mapped[str] = mapped_column(String(66))
    platform_public_key: Mapped[str] = mapped_column(String(66))
    witness_script: Mapped[str] = mapped_column(String(400))
    address: Mapped[str] = mapped_column(String(100), unique=True)
    funding_status: Mapped[str] = mapped_column(String(24), default=FundingState.NULL)
    funding_txids: Mapped[list[str]] = mapped_column(JSON, default=list)
    funding_vouts: Mapped[list[int]] = mapped_column(JSON, default=list)
    funding_amounts: Mapped[list[int]] = mapped_column(JSON, default=list)
    confirmations: Mapped[int] = mapped_column(default=0)
    wrong_amount_accepted: Mapped[bool] = mapped_column(default=False)
    funding_expires_at: Mapped[datetime]
    refund_psbt: Mapped[str | None] = mapped_column(Text)
    refund_fee: Mapped[int | None]
    refund_fee_rate: Mapped[Decimal | None]
    refund_txid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PeachMatch(Base):
    """A buyer's match of a sell offer (its half of the handshake: the symmetric key the chat
    and payment data are encrypted with). The seller's double match turns it into a contract."""

    __tablename__ = "peach_matches"
    __table_args__ = (UniqueConstraint("buy_offer_id", "sell_offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buy_offer_id: Mapped[int] = mapped_column(ForeignKey("peach_offers.id"), index=True)
    sell_offer_id: Mapped[int] = mapped_column(ForeignKey("peach_offers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(6))
    payment_method: Mapped[str] = mapped_column(String(80))
    price_minor: Mapped[int]  # the matched price in the currency's minor units
    premium_bp: Mapped[int]
    symmetric_key_encrypted: Mapped[str] = mapped_column(Text)
    symmetric_key_signature: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Contract(Base):
    """A trade between a sell offer and a buy offer; its id is "sellOfferId-buyOfferId".
    One contract per sell offer (the unique sell_offer_id is the last guard of "taken once")."""

    __tablename__ = "peach_contracts"
    __table_args__ = (
        Index("ix_peach_contracts_seller", "seller_id", "created_at"),
        Index("ix_peach_contracts_buyer", "buyer_id", "created_at"),
        Index("ix_peach_contracts_due", "trade_status", "payment_expected_by"),
    )

    id: Mapped[str] = mapped_column(String(41), primary_key=True)
    sell_offer_id: Mapped[int] = mapped_column(ForeignKey("peach_offers.id"), unique=True)
    buy_offer_id: Mapped[int] = mapped_column(ForeignKey("peach_offers.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"))
    # None while a v069 buy-offer trade waits for the seller's escrow (docs/bitcoin.md, buy-offer trades).
    escrow_id: Mapped[int | None] = mapped_column(ForeignKey("peach_escrows.id"))
    amount: Mapped[int]  # sats
    currency: Mapped[str] = mapped_column(String(6))
    payment_method: Mapped[str] = mapped_column(String(80))
    country: Mapped[str | None] = mapped_column(String(2))
    price_minor: Mapped[int]  # fiat price in the currency's minor units
    premium_bp: Mapped[int]  # hundredths of a percent
    # The trade's worth in the operator's limit currency at match time (minor units), counted
    # against both parties' trading limits; cash trades also count as anonymous.
    limit_value_minor: Mapped[int]
    anonymous: Mapped[bool] = mapped_column(default=False)
    buyer_fee: Mapped[Decimal]  # escrow fee fraction paid by the buyer (0.02 = 2 %)
    seller_fee: Mapped[Decimal]
    release_address: Mapped[str] = mapped_column(String(100))
    hashed_payment_data: Mapped[list[str]] = mapped_column(JSON, default=list)
    payment_data_encrypted: Mapped[str] = mapped_column(Text)
    payment_data_signature: Mapped[str] = mapped_column(Text)
    symmetric_key_encrypted: Mapped[str] = mapped_column(Text)
    symmetric_key_signature: Mapped[str] = mapped_column(Text)
    # paymentRequired, confirmPaymentRequired, paymentTooLate, releaseEscrow (batched),
    # tradeCompleted, tradeCanceled, dispute, refundOrReviveRequired (seller's view)
    trade_status: Mapped[str] = mapped_column(String(40))
    payment_expected_by: Mapped[datetime]
    payment_made: Mapped[datetime | None]
    payment_confirmed: Mapped[datetime | None]
    canceled: Mapped[bool] = mapped_column(default=False)
    canceled_by: Mapped[str | None] = mapped_column(String(8))  # buyer | seller | mediator
    cancelation_requested: Mapped[bool] = mapped_column(default=False)
    cancelation_requested_at: Mapped[datetime | None]
    # The release: the platform's pre-signed PSBT, then the completed transaction.
    release_psbt: Mapped[str | None] = mapped_column(Text)
    release_fee: Mapped[int | None]  # mining fee, sats
    escrow_fee_sats: Mapped[int | None]
    free_trade: Mapped[bool] = mapped_column(default=False)  # the buyer spent a free trade: no fee
    release_transaction: Mapped[str | None] = mapped_column(Text)
    release_txid: Mapped[str | None] = mapped_column(String(64))
    refund_txid: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[str | None] = mapped_column(String(64), index=True)
    batch_release_psbt: Mapped[str | None] = mapped_column(Text)
    batch_signed_input: Mapped[str | None] = mapped_column(Text)  # seller's SINGLE|ANYONECANPAY sig
    # Disputes: who raised it, why, what the mediator decided and who read the outcome.
    dispute_active: Mapped[bool] = mapped_column(default=False, index=True)
    dispute_initiator_id: Mapped[int | None] = mapped_column(ForeignKey("peach_users.id"))
    dispute_reason: Mapped[str | None] = mapped_column(String(40))
    dispute_message: Mapped[str | None] = mapped_column(Text)
    dispute_email: Mapped[str | None] = mapped_column(String(320))
    dispute_counterparty_email: Mapped[str | None] = mapped_column(String(320))
    dispute_date: Mapped[datetime | None]
    dispute_acknowledged_by_counterparty: Mapped[bool] = mapped_column(default=False)
    dispute_symmetric_key_encrypted: Mapped[str | None] = mapped_column(Text)  # for the mediator
    dispute_winner: Mapped[str | None] = mapped_column(String(6))  # buyer | seller
    dispute_outcome: Mapped[str | None] = mapped_column(String(20))
    dispute_resolved_date: Mapped[datetime | None]
    dispute_outcome_acknowledged_by: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Written by the rate endpoint (1 | -1), shown as ratingBuyer / ratingSeller.
    rating_buyer: Mapped[int | None]
    rating_seller: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # "asymmetric" for an instant trade (the seller's payment data PGP-encrypted to both parties);
    # None otherwise (symmetric, "aes256" where the app reads it).
    payment_data_encryption_method: Mapped[str | None] = mapped_column(String(10))


# Social tables: chat, ratings, trade history, reputation, referral codes. Contracts are
# referenced by their wire id ("sellOfferId-buyOfferId") without a foreign key.


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


class PeachPgpKey(Base):
    """Every PGP key a user proved (PATCH user): the app encrypts for all of them, so data
    encrypted for an older key stays readable after a new one is set. Found by the key's
    sha256 (an armored key is too long for a PostgreSQL index)."""

    __tablename__ = "peach_pgp_keys"
    __table_args__ = (UniqueConstraint("user_id", "key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(Text)
    proof: Mapped[str] = mapped_column(String(200))  # the account key's signature of sha256(public_key)
    created_at: Mapped[datetime]


class PeachPlatformKey(Base):
    """The platform's PGP key pair (the app encrypts a disputed chat's key to it): created once
    in the database so every server shows and uses the same one. The secret key is stored
    encrypted with the platform's field cipher, never in clear."""

    __tablename__ = "peach_platform_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    public_key: Mapped[str] = mapped_column(Text)  # armored certificate
    secret_key_encrypted: Mapped[str] = mapped_column(Text)  # FieldCipher token of the armored key
    created_at: Mapped[datetime]


# ---------------------------------------------------------------- the app's v069 surface


class PeachTradeRequest(Base):
    """A v069 trade request: a user asks to take an online offer (a buyer a sell offer, a seller
    a v069 buy offer) with its payment method and the PGP-encrypted symmetric key; the offer's
    owner accepts it (a contract, through the v1 matching rules) or rejects it. One per user
    and offer."""

    __tablename__ = "peach_trade_requests"
    __table_args__ = (UniqueConstraint("offer_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("peach_offers.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"), index=True)
    payment_method: Mapped[str] = mapped_column(String(80))
    currency: Mapped[str] = mapped_column(String(6))
    payment_data_hashed: Mapped[Any] = mapped_column(JSON)
    payment_data_encrypted: Mapped[str] = mapped_column(Text)
    payment_data_signature: Mapped[str] = mapped_column(Text)
    symmetric_key_encrypted: Mapped[str] = mapped_column(Text)
    symmetric_key_signature: Mapped[str] = mapped_column(Text)
    max_mining_fee_rate: Mapped[int | None]
    # A buyer's payout address when its app sends one (peach-api-ts has the fields commented
    # out: without one the app names it when confirming the payment).
    release_address: Mapped[str | None] = mapped_column(String(100))
    release_address_signature: Mapped[str | None] = mapped_column(String(200))
    price_minor: Mapped[int]  # the price when requested, minor units of `currency`
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | accepted
    contract_id: Mapped[str | None] = mapped_column(String(41))
    created_at: Mapped[datetime]
    # On a buy offer the owner is the buyer: its own payment data, encrypted with the seller's
    # symmetric key when accepting (the contract's buyerPaymentDataEncrypted).
    owner_payment_data_encrypted: Mapped[str | None] = mapped_column(Text)
    owner_payment_data_signature: Mapped[str | None] = mapped_column(Text)


class PeachTradeRequestMessage(Base):
    """The chat between an offer's owner and a user whose trade request is pending."""

    __tablename__ = "peach_trade_request_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_request_id: Mapped[int] = mapped_column(ForeignKey("peach_trade_requests.id"), index=True)
    sender: Mapped[str] = mapped_column(String(16))  # offerOwner | tradeRequester
    encrypted_message: Mapped[str] = mapped_column(Text)
    signature: Mapped[str | None] = mapped_column(Text)
    seen: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class PeachBuyOfferTerms(Base):
    """What a v069 buy offer (a `bid` offer of one amount) carries beyond a v1 one: the
    seller criteria of instant trades. Its row also marks the offer as listed on v069."""

    __tablename__ = "peach_buy_offer_terms"

    offer_id: Mapped[int] = mapped_column(ForeignKey("peach_offers.id"), primary_key=True)
    instant_trade_criteria: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    experience_level: Mapped[str | None] = mapped_column(String(24))
    multi: Mapped[int | None]


class PeachUserSettings69(Base):
    """The app's v069 self-user settings: offer alerts, the wallet's last used address index and
    the payment data the app keeps encrypted to its own key on the server."""

    __tablename__ = "peach_user_settings69"

    user_id: Mapped[int] = mapped_column(ForeignKey("peach_users.id"), primary_key=True)
    offer_alerts_active: Mapped[bool] = mapped_column(default=False)
    last_address_used_index: Mapped[int | None]
    encrypted_payment_data: Mapped[str | None] = mapped_column(Text)
    encrypted_payment_data_signature: Mapped[str | None] = mapped_column(Text)


class PeachSellOfferTerms(Base):
    """What the app's v1 POST offer (sell) sends beyond the document: the instant-trade criteria
    (minReputation on the server's -1..1 scale), the experience level, and per payment method
    the data PGP-encrypted to the platform key (`encrypted`/`signature`, instant trades) and to
    the seller's own key (`selfEncrypted`/`selfEncryptedSignature`), armored as sent."""

    __tablename__ = "peach_sell_offer_terms"

    offer_id: Mapped[int] = mapped_column(ForeignKey("peach_offers.id"), primary_key=True)
    instant_trade_criteria: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    experience_level: Mapped[str | None] = mapped_column(String(24))
    # {method: {encrypted?, signature?, selfEncrypted?, selfEncryptedSignature?}}
    payment_secrets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
