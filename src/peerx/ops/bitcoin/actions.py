"""Operator actions of the Peach market and the sandbox chain: fund an address, mine blocks,
set the sandbox market price. Shared by `peerx chain|market ...` and /ops/v1/bitcoin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.chain.sandbox import SandboxChain
from peerx.core.errors import InvalidField
from peerx.platform import Platform
from peerx.products.bitcoin import repository
from peerx.products.bitcoin.context import peach_of
from peerx.products.bitcoin.contracts import disputes
from peerx.products.bitcoin.market import prices as market
from peerx.products.bitcoin.models import Contract
from peerx.products.bitcoin.wire import wire_time

DISPUTE_OUTCOMES = disputes.OUTCOMES  # what a mediator may decide (the console's choices)


def _sandbox(platform: Platform) -> SandboxChain:
    chain = peach_of(platform).chain
    if not isinstance(chain, SandboxChain):
        raise InvalidField("chain", "funding and mining exist only on the sandbox chain")
    return chain


async def fund_address(platform: Platform, session: AsyncSession, *, address: str, sats: int) -> dict[str, Any]:
    try:
        txid = await _sandbox(platform).fund(session, address, sats)
    except ValueError as exc:
        raise InvalidField("address" if "address" in str(exc) else "sats", str(exc)) from None
    return {"txid": txid, "address": address, "sats": sats}


async def mine(platform: Platform, session: AsyncSession, *, blocks: int) -> dict[str, Any]:
    chain = _sandbox(platform)
    try:
        hashes = await chain.mine(session, blocks)
    except ValueError as exc:
        raise InvalidField("blocks", str(exc)) from None
    return {"blocks": hashes, "height": await chain.tip_height(session)}


async def set_price(platform: Platform, session: AsyncSession, *, pair: str, price: Decimal) -> dict[str, Any]:
    row = await market.set_price(session, pair, price)
    return {"pair": row.pair, "price": row.price, "date": wire_time(row.updated_at)}


# ---------------------------------------------------------------- /ops/v1/bitcoin


# ---------------------------------------------------------------- disputes (Peach part 2)


def dispute_view(contract: Contract) -> dict[str, Any]:
    return {
        "contractId": contract.id,
        "amount": contract.amount,
        "currency": contract.currency,
        "price": Decimal(contract.price_minor) / 100,
        "paymentMethod": contract.payment_method,
        "tradeStatus": contract.trade_status,
        "disputeActive": contract.dispute_active,
        "reason": contract.dispute_reason,
        "message": contract.dispute_message,
        "initiator": "seller" if contract.dispute_initiator_id == contract.seller_id else "buyer",
        "email": contract.dispute_email,
        "counterpartyEmail": contract.dispute_counterparty_email,
        "acknowledgedByCounterParty": contract.dispute_acknowledged_by_counterparty,
        "symmetricKeyEncrypted": contract.dispute_symmetric_key_encrypted,
        "disputeDate": wire_time(contract.dispute_date),
        "outcome": contract.dispute_outcome,
        "winner": contract.dispute_winner,
        "resolvedDate": wire_time(contract.dispute_resolved_date),
        "releaseTxId": contract.release_txid,
    }


async def list_disputes(platform: Platform, session: AsyncSession, *, active_only: bool = True) -> dict[str, Any]:
    rows = await repository.disputed_contracts(session, active_only=active_only)
    return {"disputes": [dispute_view(c) for c in rows]}


async def resolve_dispute(
    platform: Platform, session: AsyncSession, *, contract_id: str, outcome: str
) -> dict[str, Any]:
    """The mediator's decision; with a buyer outcome the payout is broadcast at once when the
    escrow's timelock allows it, else by the dispute payout job when it does."""
    contract = await disputes.resolve(session, contract_id, outcome)
    if contract.dispute_winner == "buyer" or outcome == "payOutBuyer":
        await disputes.pay_out_buyer(session, peach_of(platform), contract.id)
    return dispute_view(contract)
