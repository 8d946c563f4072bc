"""Operator actions of the Peach market and the sandbox chain: fund an address, mine blocks,
set the sandbox market price. Shared by `peerx chain|market ...` and /ops/v1/bitcoin."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.chain.sandbox import SandboxChain
from peerx.core.errors import InvalidField
from peerx.ops.deps import OPERATOR
from peerx.ops.schemas import (
    ChainFund,
    ChainFunded,
    ChainMine,
    ChainMined,
    DisputeResolve,
    Disputes,
    DisputeView,
    MarketPrice,
    MarketPriceSet,
    reply,
)
from peerx.platform import Platform
from peerx.products.bitcoin.context import peach_of
from peerx.products.bitcoin.contracts import disputes
from peerx.products.bitcoin.market import prices as market
from peerx.products.bitcoin.models import Contract
from peerx.products.bitcoin.wire import wire_time
from peerx.web import PlatformDep, Session, wire_router
from peerx.web.types import Flag, Text

router = wire_router(dependencies=[OPERATOR], tags=["bitcoin"])  # /ops/v1/bitcoin
ContractId = Annotated[str, Text(200, min_length=1)]
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


@router.post("/chain/fund", response_model=ChainFunded)
async def post_fund(body: ChainFund, session: Session, platform: PlatformDep) -> Response:
    """Pay sats to an address from the sandbox chain's faucet (sandbox chain only)."""
    return reply(ChainFunded, await fund_address(platform, session, address=body.address, sats=body.sats))


@router.post("/chain/mine", response_model=ChainMined)
async def post_mine(body: ChainMine, session: Session, platform: PlatformDep) -> Response:
    """Mine blocks on the sandbox chain; the first confirms the mempool."""
    return reply(ChainMined, await mine(platform, session, blocks=body.blocks))


@router.post("/market/prices", response_model=MarketPriceSet)
async def post_price(body: MarketPrice, session: Session, platform: PlatformDep) -> Response:
    """Set the sandbox market's price of a pair."""
    return reply(MarketPriceSet, await set_price(platform, session, pair=body.pair, price=body.price))


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
    rows = await disputes.list_disputes(session, active_only=active_only)
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


@router.get("/disputes", response_model=Disputes)
async def get_disputes(session: Session, platform: PlatformDep, active: Flag = True) -> Response:
    """Disputed contracts, the active ones only unless active=false."""
    return reply(Disputes, await list_disputes(platform, session, active_only=active))


@router.post("/disputes/{contract_id}/resolve", response_model=DisputeView)
async def post_resolve(
    contract_id: ContractId,
    body: DisputeResolve,
    session: Session,
    platform: PlatformDep,
) -> Response:
    """The mediator's decision on a disputed contract."""
    return reply(DisputeView, await resolve_dispute(platform, session, contract_id=contract_id, outcome=body.outcome))
