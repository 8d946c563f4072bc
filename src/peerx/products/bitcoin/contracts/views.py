"""contract/:id, contracts and contracts/summary in the document's shape, for one party."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.contracts.repository import (
    MessageCount,
    chat_active,
    escrows_by_ids,
    message_counts,
    role_of,
    trade_requests_of,
)
from peerx.products.bitcoin.contracts.schemas import Contract as ContractView
from peerx.products.bitcoin.contracts.schemas import ContractSummary
from peerx.products.bitcoin.identity.reputation import profiles
from peerx.products.bitcoin.identity.schemas import PublicUser
from peerx.products.bitcoin.market import prices as market
from peerx.products.bitcoin.models import Contract, PeachEscrow, PeachOffer, PeachTradeRequest, PeachUser, TradeStatus
from peerx.products.bitcoin.offers import repository as offer_rows
from peerx.products.bitcoin.wire import wire_time

NO_PAYMENT = ("noPayment.buyer", "noPayment.seller")
RATE_USER = "rateUser"  # a view of tradeCompleted, never stored


def trade_status(contract: Contract, viewer: PeachUser, sell_offer: PeachOffer | None) -> str:
    """The contract's status as this party sees it: a pending cancel request is the buyer's to
    answer; after a cancel the seller's next step is the sell offer's (refund or revive); after
    a release, rateUser until this party rated."""
    role = role_of(contract, viewer)
    if contract.cancelation_requested and not contract.canceled and role == "buyer":
        return TradeStatus.CONFIRM_CANCELATION
    if contract.canceled and role == "seller" and sell_offer is not None:
        return sell_offer.trade_status
    if awaits_rating(contract, role):
        return RATE_USER
    return contract.trade_status


def awaits_rating(contract: Contract, role: str) -> bool:
    """After a release the app shows its rating screen only while tradeStatus is rateUser
    (peach-app src/views/contract/Contract.tsx): so it is, for each party until it rated its
    counterparty (the seller rates the buyer: ratingBuyer). A trade a mediator decided keeps
    tradeCompleted: its screens are the dispute outcome's."""
    if contract.canceled or contract.trade_status != TradeStatus.TRADE_COMPLETED or contract.release_txid is None:
        return False
    if contract.dispute_outcome is not None:
        return False
    return (contract.rating_buyer if role == "seller" else contract.rating_seller) is None


class Loaded:
    """Everything the views of some contracts need, read in a few queries."""

    def __init__(self) -> None:
        self.users: dict[int, PublicUser] = {}
        self.escrows: dict[int, PeachEscrow] = {}
        self.offers: dict[int, PeachOffer] = {}
        self.messages: dict[str, MessageCount] = {}
        self.prices: dict[str, Decimal] = {}
        self.requests: dict[str, PeachTradeRequest] = {}

    @classmethod
    async def of(cls, session: AsyncSession, peach: Peach, viewer: PeachUser, contracts: list[Contract]) -> Loaded:
        loaded = cls()
        ids = list({c.seller_id for c in contracts} | {c.buyer_id for c in contracts})
        loaded.users = await profiles(session, ids)
        escrow_ids = [c.escrow_id for c in contracts]
        loaded.escrows = await escrows_by_ids(session, escrow_ids)
        offer_ids = [c.sell_offer_id for c in contracts] + [c.buy_offer_id for c in contracts]
        loaded.offers = await offer_rows.offers_by_ids(session, offer_ids)
        loaded.messages = await message_counts(session, viewer.id, [c.id for c in contracts])
        loaded.prices = {c: v for c, (v, _) in (await market.all_prices(session, peach.prices)).items()}
        loaded.requests = await trade_requests_of(session, [c.id for c in contracts])
        return loaded


def _prices(contract: Contract, prices: dict[str, Decimal]) -> dict[str, Decimal]:
    premium = Decimal(contract.premium_bp) / 100
    found = {c: market.fiat(contract.amount, v, premium) for c, v in prices.items()}
    found[contract.currency] = Decimal(contract.price_minor) / 100  # the agreed price, not today's
    return found


def _user_id(loaded: Loaded, user_id: int) -> str | None:
    found = loaded.users.get(user_id)
    return None if found is None else found.id


def contract_view(contract: Contract, viewer: PeachUser, loaded: Loaded) -> ContractView:
    role = role_of(contract, viewer)
    escrow = loaded.escrows.get(contract.escrow_id)
    disputed_by_other = contract.dispute_initiator_id not in (None, viewer.id)
    view = ContractView(
        id=contract.id,
        creation_date=wire_time(contract.created_at),
        last_modified=wire_time(contract.updated_at),
        seller=loaded.users[contract.seller_id],
        buyer=loaded.users[contract.buyer_id],
        amount=contract.amount,
        currency=contract.currency,
        payment_method=contract.payment_method,
        country=contract.country,
        premium=Decimal(contract.premium_bp) / 100,
        price=Decimal(contract.price_minor) / 100,
        prices=_prices(contract, loaded.prices),
        buyer_fee=contract.buyer_fee,
        seller_fee=contract.seller_fee,
        escrow_fee=contract.escrow_fee_sats,
        escrow=escrow.address if escrow else None,
        funding_tx_id=escrow.funding_txids[0] if escrow and escrow.funding_txids else None,
        release_address=contract.release_address,
        hashed_payment_data=contract.hashed_payment_data,
        payment_data_encrypted=contract.payment_data_encrypted,
        payment_data_signature=contract.payment_data_signature,
        symmetric_key_encrypted=contract.symmetric_key_encrypted,
        symmetric_key_signature=contract.symmetric_key_signature,
        payment_expected_by=wire_time(contract.payment_expected_by),
        payment_made=wire_time(contract.payment_made),
        payment_confirmed=wire_time(contract.payment_confirmed),
        trade_status=trade_status(contract, viewer, loaded.offers.get(contract.sell_offer_id)),
        canceled=contract.canceled,
        cancelation_requested=contract.cancelation_requested,
        release_psbt=contract.release_psbt if role == "seller" else None,
        batch_release_psbt=contract.batch_release_psbt if role == "seller" else None,
        batch_id=contract.batch_id,
        release_transaction=contract.release_transaction,
        release_tx_id=contract.release_txid,
        dispute_active=contract.dispute_active,
        dispute_date=wire_time(contract.dispute_date),
        dispute_reason=contract.dispute_reason,
        dispute_initiator=None
        if contract.dispute_initiator_id is None
        else _user_id(loaded, contract.dispute_initiator_id),
        dispute_acknowledged_by_counter_party=contract.dispute_acknowledged_by_counterparty,
        dispute_winner=contract.dispute_winner,
        dispute_outcome=contract.dispute_outcome,
        dispute_resolved_date=wire_time(contract.dispute_resolved_date),
        dispute_outcome_acknowledged=role in contract.dispute_outcome_acknowledged_by,
        dispute_outcome_acknowledged_by=list(contract.dispute_outcome_acknowledged_by),
        is_email_required=contract.dispute_active
        and disputed_by_other
        and contract.dispute_reason in NO_PAYMENT
        and not contract.dispute_counterparty_email,
        is_chat_active=chat_active(contract),
        rating_buyer=contract.rating_buyer,
        rating_seller=contract.rating_seller,
        messages=loaded.messages[contract.id].total,
        unread_messages=loaded.messages[contract.id].unread,
    )
    request = loaded.requests.get(contract.id)
    if request is not None:  # a v069 contract: the fields the app's Contract type adds
        view.payment_data_encryption_method = contract.payment_data_encryption_method or "aes256"
        view.buyer_payment_data_encrypted = request.payment_data_encrypted
        view.buyer_payment_data_signature = request.payment_data_signature
        view.buyer_hashed_payment_data = _request_hashes(request)
    return view


def _request_hashes(request: PeachTradeRequest) -> list[str]:
    entry = (
        request.payment_data_hashed.get(request.payment_method)
        if isinstance(request.payment_data_hashed, dict)
        else None
    )
    hashes = entry.get("hashes") if isinstance(entry, dict) else None
    return [str(h) for h in hashes] if isinstance(hashes, list) else []


def summary_view(contract: Contract, viewer: PeachUser, loaded: Loaded) -> ContractSummary:
    role = role_of(contract, viewer)
    escrow = loaded.escrows.get(contract.escrow_id)
    own_offer = str(contract.sell_offer_id if role == "seller" else contract.buy_offer_id)
    return ContractSummary(
        id=own_offer,
        contract_id=contract.id,
        type="ask" if role == "seller" else "bid",
        creation_date=wire_time(contract.created_at),
        last_modified=wire_time(contract.updated_at),
        amount=contract.amount,
        currency=contract.currency,
        price=Decimal(contract.price_minor) / 100,
        prices={contract.currency: Decimal(contract.price_minor) / 100},
        matches=[],
        funding_tx_id=escrow.funding_txids[0] if escrow and escrow.funding_txids else None,
        trade_status=trade_status(contract, viewer, loaded.offers.get(contract.sell_offer_id)),
        dispute_winner=contract.dispute_winner,
        unread_messages=loaded.messages[contract.id].unread,
        offer_id=own_offer,
        payment_made=wire_time(contract.payment_made),
        release_tx_id=contract.release_txid,
        is_chat_active=chat_active(contract),
        dispute_outcome_acknowledged=role in contract.dispute_outcome_acknowledged_by,
        premium=Decimal(contract.premium_bp) / 100,
    )
