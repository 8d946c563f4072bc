"""Canceling a contract. The buyer cancels until it has paid (any time in a cash trade); the
seller's cancel is a request the buyer confirms or rejects, except in a cash trade or once the
payment window is over, when it is immediate. A canceled contract leaves the sell offer at
refundOrReviveRequired (part 1's refund or revive) and puts the buy offer back online unless
the buyer walked away."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.contracts import history
from peerx.products.bitcoin.contracts.matching import schedule_deadline
from peerx.products.bitcoin.contracts.payment import extend_deadline, set_status
from peerx.products.bitcoin.contracts.repository import role_of
from peerx.products.bitcoin.models import Contract, FundingState, PeachUser, TradeStatus
from peerx.products.bitcoin.offers import repository as offer_rows
from peerx.products.bitcoin.push.notify import notify


def is_cash(contract: Contract) -> bool:
    return contract.payment_method.startswith("cash.")


def _cancelable(contract: Contract) -> None:
    if contract.canceled or contract.trade_status in (TradeStatus.TRADE_COMPLETED, TradeStatus.PAYOUT_PENDING):
        raise f.BadState("The contract is over.")
    if contract.dispute_active:
        raise f.BadState("A contract cannot be canceled while a dispute is active.")
    if contract.payment_made is not None and not is_cash(contract):
        raise f.BadState("The payment was made: raise a dispute instead.")


async def end(session: AsyncSession, contract: Contract, by: str, *, revive_buy_offer: bool) -> None:
    """Cancel `contract` (locked): statuses, offers, history."""
    now = utcnow()
    contract.canceled, contract.canceled_by, contract.cancelation_requested = True, by, False
    await set_status(session, contract, TradeStatus.TRADE_CANCELED, now)
    sell = await offer_rows.offer_for_update(session, contract.sell_offer_id)
    buy = await offer_rows.offer_for_update(session, contract.buy_offer_id)
    assert sell is not None and buy is not None
    sell.online, sell.trade_status = False, TradeStatus.REFUND_OR_REVIVE_REQUIRED
    if revive_buy_offer and not buy.canceled:
        buy.online, buy.trade_status = True, TradeStatus.SEARCHING_FOR_PEER
    else:
        buy.online, buy.canceled, buy.trade_status = False, True, TradeStatus.OFFER_CANCELED
    await history.record_trade_outcome(session, contract)


async def cancel_unfunded(session: AsyncSession, contract: Contract, by: str) -> None:
    """A buy-offer trade whose escrow is not funded yet ends at once, for either party: nothing
    is owed and no coin moves. The sell offer made for it is withdrawn (its escrow too while
    empty; coins already sent go back by the v1 refund: cancel the offer); the buy offer is
    back online unless its buyer walked away."""
    await end(session, contract, by, revive_buy_offer=by == "seller")
    sell = await offer_rows.offer_for_update(session, contract.sell_offer_id)
    assert sell is not None
    escrow = await offer_rows.escrow_of(session, sell.id, lock=True)
    if escrow is None or not escrow.funding_txids:
        sell.canceled, sell.trade_status = True, TradeStatus.OFFER_CANCELED
        if escrow is not None:
            escrow.funding_status = FundingState.CANCELED


async def cancel(session: AsyncSession, user: PeachUser, contract: Contract) -> None:
    _cancelable(contract)
    if contract.escrow_id is None:
        role = role_of(contract, user)
        await cancel_unfunded(session, contract, role)
        other = contract.buyer_id if role == "seller" else contract.seller_id
        await notify(session, other, "contract.canceled", {"contractId": contract.id})
        return
    if role_of(contract, user) == "buyer":
        await end(session, contract, "buyer", revive_buy_offer=False)
        await notify(session, contract.seller_id, "contract.canceled", {"contractId": contract.id})
        return
    if is_cash(contract) or contract.trade_status == TradeStatus.PAYMENT_TOO_LATE:
        await end(session, contract, "seller", revive_buy_offer=contract.trade_status != TradeStatus.PAYMENT_TOO_LATE)
        await notify(session, contract.buyer_id, "contract.canceled", {"contractId": contract.id})
        return
    if contract.cancelation_requested:
        raise f.BadState("Cancelation was requested already.")
    contract.cancelation_requested, contract.cancelation_requested_at = True, utcnow()
    contract.updated_at = contract.cancelation_requested_at
    await notify(session, contract.buyer_id, "contract.cancelationRequest", {"contractId": contract.id})


async def answer(session: AsyncSession, user: PeachUser, contract: Contract, *, accept: bool) -> None:
    """The buyer confirms or rejects the seller's cancelation request."""
    if role_of(contract, user) != "buyer":
        raise f.BadState("Only the buyer answers a cancelation request.")
    if not contract.cancelation_requested or contract.canceled:
        raise f.BadState("There is no cancelation request.")
    if accept:
        _cancelable(contract)
        await end(session, contract, "seller", revive_buy_offer=True)
        await notify(session, contract.seller_id, "contract.canceled", {"contractId": contract.id})
        return
    contract.cancelation_requested, contract.updated_at = False, utcnow()
    await notify(session, contract.seller_id, "contract.cancelationRejected", {"contractId": contract.id})


async def extend_time(session: AsyncSession, peach: Peach, user: PeachUser, contract: Contract) -> None:
    """The seller gives the buyer another payment window (after or before it ran out)."""
    if role_of(contract, user) != "seller":
        raise f.BadState("Only the seller extends the payment time.")
    if (
        contract.canceled
        or contract.dispute_active
        or is_cash(contract)  # no payment window to extend
        or contract.trade_status not in (TradeStatus.PAYMENT_REQUIRED, TradeStatus.PAYMENT_TOO_LATE)
    ):
        raise f.BadState("The payment time cannot be extended now.")
    now = utcnow()
    extend_deadline(contract, peach, now)
    await set_status(session, contract, TradeStatus.PAYMENT_REQUIRED, now)
    await schedule_deadline(session, contract)
    await notify(session, contract.buyer_id, "contract.paymentTimeExtended", {"contractId": contract.id})
