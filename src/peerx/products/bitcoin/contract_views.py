"""contract/:id, contracts and contracts/summary in the document's shape, for one party."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.products.bitcoin import chat, market
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.contracts import role_of
from peerx.products.bitcoin.models import Contract, PeachEscrow, PeachOffer, PeachUser
from peerx.products.bitcoin.reputation import profiles
from peerx.products.bitcoin.wire import wire_time

NO_PAYMENT = ("noPayment.buyer", "noPayment.seller")


def trade_status(contract: Contract, viewer: PeachUser, sell_offer: PeachOffer | None) -> str:
    """The contract's status as this party sees it: a pending cancel request is the buyer's to
    answer; after a cancel the seller's next step is the sell offer's (refund or revive)."""
    role = role_of(contract, viewer)
    if contract.cancelation_requested and not contract.canceled and role == "buyer":
        return "confirmCancelation"
    if contract.canceled and role == "seller" and sell_offer is not None:
        return sell_offer.trade_status
    return contract.trade_status


class Loaded:
    """Everything the views of some contracts need, read in a few queries."""

    def __init__(self) -> None:
        self.users: dict[int, dict[str, Any]] = {}
        self.escrows: dict[int, PeachEscrow] = {}
        self.offers: dict[int, PeachOffer] = {}
        self.messages: dict[str, chat.MessageCount] = {}
        self.prices: dict[str, Decimal] = {}

    @classmethod
    async def of(cls, session: AsyncSession, peach: Peach, viewer: PeachUser, contracts: list[Contract]) -> Loaded:
        loaded = cls()
        ids = list({c.seller_id for c in contracts} | {c.buyer_id for c in contracts})
        loaded.users = await profiles(session, ids)
        escrow_ids = [c.escrow_id for c in contracts]
        loaded.escrows = {
            e.id: e for e in await session.scalars(select(PeachEscrow).where(PeachEscrow.id.in_(escrow_ids)))
        }
        offer_ids = [c.sell_offer_id for c in contracts] + [c.buy_offer_id for c in contracts]
        loaded.offers = {o.id: o for o in await session.scalars(select(PeachOffer).where(PeachOffer.id.in_(offer_ids)))}
        loaded.messages = await chat.message_counts(session, viewer.id, [c.id for c in contracts])
        loaded.prices = {c: v for c, (v, _) in (await market.all_prices(session, peach.prices)).items()}
        return loaded


def _prices(contract: Contract, prices: dict[str, Decimal]) -> dict[str, Decimal]:
    premium = Decimal(contract.premium_bp) / 100
    found = {c: market.fiat(contract.amount, v, premium) for c, v in prices.items()}
    found[contract.currency] = Decimal(contract.price_minor) / 100  # the agreed price, not today's
    return found


def contract_view(contract: Contract, viewer: PeachUser, loaded: Loaded) -> dict[str, Any]:
    role = role_of(contract, viewer)
    escrow = loaded.escrows.get(contract.escrow_id)
    disputed_by_other = contract.dispute_initiator_id not in (None, viewer.id)
    return {
        "id": contract.id,
        "creationDate": wire_time(contract.created_at),
        "lastModified": wire_time(contract.updated_at),
        "seller": loaded.users[contract.seller_id],
        "buyer": loaded.users[contract.buyer_id],
        "amount": contract.amount,
        "currency": contract.currency,
        "paymentMethod": contract.payment_method,
        "country": contract.country,
        "premium": Decimal(contract.premium_bp) / 100,
        "price": Decimal(contract.price_minor) / 100,
        "prices": _prices(contract, loaded.prices),
        "buyerFee": contract.buyer_fee,
        "sellerFee": contract.seller_fee,
        "escrowFee": contract.escrow_fee_sats,
        "escrow": escrow.address if escrow else None,
        "fundingTxId": escrow.funding_txids[0] if escrow and escrow.funding_txids else None,
        "releaseAddress": contract.release_address,
        "hashedPaymentData": contract.hashed_payment_data,
        "paymentDataEncrypted": contract.payment_data_encrypted,
        "paymentDataSignature": contract.payment_data_signature,
        "symmetricKeyEncrypted": contract.symmetric_key_encrypted,
        "symmetricKeySignature": contract.symmetric_key_signature,
        "paymentExpectedBy": wire_time(contract.payment_expected_by),
        "paymentMade": wire_time(contract.payment_made),
        "paymentConfirmed": wire_time(contract.payment_confirmed),
        "tradeStatus": trade_status(contract, viewer, loaded.offers.get(contract.sell_offer_id)),
        "canceled": contract.canceled,
        "cancelationRequested": contract.cancelation_requested,
        "releasePsbt": contract.release_psbt if role == "seller" else None,
        "batchReleasePsbt": contract.batch_release_psbt if role == "seller" else None,
        "batchId": contract.batch_id,
        "releaseTransaction": contract.release_transaction,
        "releaseTxId": contract.release_txid,
        "disputeActive": contract.dispute_active,
        "disputeDate": wire_time(contract.dispute_date),
        "disputeReason": contract.dispute_reason,
        "disputeInitiator": None
        if contract.dispute_initiator_id is None
        else loaded.users.get(contract.dispute_initiator_id, {}).get("id"),
        "disputeAcknowledgedByCounterParty": contract.dispute_acknowledged_by_counterparty,
        "disputeWinner": contract.dispute_winner,
        "disputeOutcome": contract.dispute_outcome,
        "disputeResolvedDate": wire_time(contract.dispute_resolved_date),
        "disputeOutcomeAcknowledged": role in contract.dispute_outcome_acknowledged_by,
        "disputeOutcomeAcknowledgedBy": list(contract.dispute_outcome_acknowledged_by),
        "isEmailRequired": contract.dispute_active
        and disputed_by_other
        and contract.dispute_reason in NO_PAYMENT
        and not contract.dispute_counterparty_email,
        "isChatActive": chat.chat_active(contract),
        "ratingBuyer": contract.rating_buyer,
        "ratingSeller": contract.rating_seller,
        "messages": loaded.messages[contract.id].total,
        "unreadMessages": loaded.messages[contract.id].unread,
    }


def summary_view(contract: Contract, viewer: PeachUser, loaded: Loaded) -> dict[str, Any]:
    role = role_of(contract, viewer)
    escrow = loaded.escrows.get(contract.escrow_id)
    return {
        "id": str(contract.sell_offer_id if role == "seller" else contract.buy_offer_id),
        "contractId": contract.id,
        "type": "ask" if role == "seller" else "bid",
        "creationDate": wire_time(contract.created_at),
        "lastModified": wire_time(contract.updated_at),
        "amount": contract.amount,
        "currency": contract.currency,
        "price": Decimal(contract.price_minor) / 100,
        "prices": {contract.currency: Decimal(contract.price_minor) / 100},
        "matches": [],
        "fundingTxId": escrow.funding_txids[0] if escrow and escrow.funding_txids else None,
        "tradeStatus": trade_status(contract, viewer, loaded.offers.get(contract.sell_offer_id)),
        "disputeWinner": contract.dispute_winner,
        "unreadMessages": loaded.messages[contract.id].unread,
    }
