"""contract/:id, contracts and contracts/summary in the document's shape, for one party."""

from __future__ import annotations

from datetime import timedelta
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
from peerx.products.bitcoin.models import (
    Contract,
    FundingState,
    PeachEscrow,
    PeachOffer,
    PeachTradeRequest,
    PeachUser,
    TradeStatus,
)
from peerx.products.bitcoin.offers import repository as offer_rows
from peerx.products.bitcoin.wire import millis, wire_time

NO_PAYMENT = ("noPayment.buyer", "noPayment.seller")
RATE_USER = "rateUser"  # a view of tradeCompleted, never stored


# A buy-offer trade before its escrow is funded: the sell offer's escrow status as each party
# sees it (peach-app src/@types/peachAPI.d.ts "Contract Without Escrow being funded",
# src/views/contract/components/TradeInformation.tsx, src/utils/contract/canCancelContract.ts).
ESCROW_LATER: dict[str, dict[str, str]] = {
    "seller": {
        TradeStatus.CREATE_ESCROW: TradeStatus.CREATE_ESCROW,
        TradeStatus.FUND_ESCROW: TradeStatus.FUND_ESCROW,
        TradeStatus.ESCROW_WAITING_FOR_CONFIRMATION: TradeStatus.ESCROW_WAITING_FOR_CONFIRMATION,
        TradeStatus.FUNDING_AMOUNT_DIFFERENT: "wrongAmountFundedOnContract",
        TradeStatus.FUNDING_EXPIRED: TradeStatus.FUNDING_EXPIRED,
    },
    "buyer": {
        TradeStatus.CREATE_ESCROW: TradeStatus.WAITING_FOR_FUNDING,
        TradeStatus.FUND_ESCROW: TradeStatus.WAITING_FOR_FUNDING,
        TradeStatus.ESCROW_WAITING_FOR_CONFIRMATION: TradeStatus.ESCROW_WAITING_FOR_CONFIRMATION,
        TradeStatus.FUNDING_AMOUNT_DIFFERENT: TradeStatus.WAITING_FOR_FUNDING,
        TradeStatus.FUNDING_EXPIRED: TradeStatus.FUNDING_EXPIRED,
    },
}


def waits_for_escrow(contract: Contract) -> bool:
    """A buy-offer trade whose seller has not funded the escrow yet (its escrow_id is set then)."""
    return contract.escrow_id is None


def trade_status(contract: Contract, viewer: PeachUser, sell_offer: PeachOffer | None) -> str:
    """The contract's status as this party sees it: a pending cancel request is the buyer's to
    answer; after a cancel the seller's next step is the sell offer's (refund or revive); after
    a release, rateUser until this party rated."""
    role = role_of(contract, viewer)
    if waits_for_escrow(contract) and not contract.canceled and sell_offer is not None:
        by_offer = ESCROW_LATER[role]
        return by_offer.get(sell_offer.trade_status, by_offer[TradeStatus.CREATE_ESCROW])
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
        self.unfunded: dict[int, PeachEscrow] = {}  # by sell offer: escrows not yet in their contract
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
        waiting = [c.sell_offer_id for c in contracts if waits_for_escrow(c)]
        loaded.unfunded = await offer_rows.escrows_of(session, waiting) if waiting else {}
        offer_ids = [c.sell_offer_id for c in contracts] + [c.buy_offer_id for c in contracts]
        loaded.offers = await offer_rows.offers_by_ids(session, offer_ids)
        loaded.messages = await message_counts(session, viewer.id, [c.id for c in contracts])
        loaded.prices = {c: v for c, (v, _) in (await market.all_prices(session, peach.prices)).items()}
        loaded.requests = await trade_requests_of(session, [c.id for c in contracts])
        return loaded


def escrow_of(contract: Contract, loaded: Loaded) -> PeachEscrow | None:
    if contract.escrow_id is None:
        return loaded.unfunded.get(contract.sell_offer_id)
    return loaded.escrows.get(contract.escrow_id)


def funding_fields(contract: Contract, loaded: Loaded, funding_window_hours: int) -> dict[str, object]:
    """What the app reads on a contract made before its escrow (peach-app src/@types/contract.d.ts):
    fundingExpectedBy (ms), the time limit and wrong-amount flags, and whether the seller
    canceled before funding. Nothing for the other contracts (their wire stays as it was)."""
    if not waits_for_escrow(contract):
        return {}
    escrow = escrow_of(contract, loaded)
    sell = loaded.offers.get(contract.sell_offer_id)
    deadline = (
        escrow.funding_expires_at if escrow is not None else contract.created_at + timedelta(hours=funding_window_hours)
    )
    return {
        "fundingExpectedBy": millis(deadline),
        "escrowFundingTimeLimitExpired": sell is not None and sell.trade_status == TradeStatus.FUNDING_EXPIRED,
        "escrowFundedWithWrongAmount": escrow is not None
        and escrow.funding_status == FundingState.WRONG_FUNDING_AMOUNT,
        "wasCanceledBySellerBeforeFundingTheEscrow": contract.canceled and contract.canceled_by == "seller",
    }


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
    escrow = escrow_of(contract, loaded)
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
        if request.offer_id == contract.buy_offer_id:
            # A seller's request on a buy offer: the buyer (the owner) sent its payment data when
            # accepting (none in an instant trade), hashed as its buy offer lists them.
            buy = loaded.offers.get(contract.buy_offer_id)
            view.buyer_payment_data_encrypted = request.owner_payment_data_encrypted
            view.buyer_payment_data_signature = request.owner_payment_data_signature
            view.buyer_hashed_payment_data = _method_hashes(buy.payment_data if buy else {}, request.payment_method)
        else:  # a buyer's request on a sell offer: its payment data came with the request
            view.buyer_payment_data_encrypted = request.payment_data_encrypted
            view.buyer_payment_data_signature = request.payment_data_signature
            view.buyer_hashed_payment_data = _method_hashes(request.payment_data_hashed, request.payment_method)
    return view


def _method_hashes(payment_data: object, method: str) -> list[str]:
    """The hashes of one method in the app's OfferPaymentData shape ({method: {hashes, ...}})."""
    entry = payment_data.get(method) if isinstance(payment_data, dict) else None
    hashes = entry.get("hashes") if isinstance(entry, dict) else None
    return [str(h) for h in hashes] if isinstance(hashes, list) else []


def summary_view(contract: Contract, viewer: PeachUser, loaded: Loaded) -> ContractSummary:
    role = role_of(contract, viewer)
    escrow = escrow_of(contract, loaded)
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
