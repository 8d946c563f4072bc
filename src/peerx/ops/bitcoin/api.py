"""/ops/v1/bitcoin: the bitcoin desk's JSON routes (sandbox chain, market prices, disputes); each calls one action."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from peerx.ops.bitcoin.actions import (
    fund_address,
    list_disputes,
    mine,
    resolve_dispute,
    set_price,
)
from peerx.ops.bitcoin.schemas import (
    ChainFund,
    ChainFunded,
    ChainMine,
    ChainMined,
    DisputeResolve,
    Disputes,
    DisputeView,
    MarketPrice,
    MarketPriceSet,
)
from peerx.ops.deps import OPERATOR
from peerx.ops.schemas import reply
from peerx.web import PlatformDep, Session, wire_router
from peerx.wire import Flag, Text

router = wire_router(dependencies=[OPERATOR], tags=["bitcoin"])  # /ops/v1/bitcoin
ContractId = Annotated[str, Text(200, min_length=1)]


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
