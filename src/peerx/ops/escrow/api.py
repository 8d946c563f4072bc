"""/ops/v1/escrow: the escrow desk's JSON routes; each calls one action."""

from __future__ import annotations

from decimal import Decimal

from fastapi import Response

from peerx.ops.deps import OPERATOR
from peerx.ops.escrow.actions import create_client, create_user, issue_token, resolve, set_charges, show
from peerx.ops.escrow.schemas import (
    ChargeRule,
    EscrowCharges,
    EscrowClient,
    EscrowClientCreate,
    EscrowP2PTransaction,
    EscrowResolve,
    EscrowToken,
    EscrowTokenIssue,
    EscrowTransaction,
    EscrowUser,
    EscrowUserCreate,
)
from peerx.ops.schemas import reply
from peerx.web import PlatformDep, Session, wire_router
from peerx.wire import Id

router = wire_router(dependencies=[OPERATOR], tags=["escrow"])  # /ops/v1/escrow


@router.post("/clients", status_code=201, response_model=EscrowClient)
async def post_client(body: EscrowClientCreate, session: Session, platform: PlatformDep) -> Response:
    """Register an OAuth2 client (an integrator); its secret is shown this once."""
    result = await create_client(
        platform, session, name=body.name, redirect_uris=body.redirect_uris, livemode=not body.test, shape=body.shape
    )
    return reply(EscrowClient, result, status_code=201)


@router.post("/users", status_code=201, response_model=EscrowUser)
async def post_user(body: EscrowUserCreate, session: Session, platform: PlatformDep) -> Response:
    """Create a Trustap user (support and tests)."""
    result = await create_user(
        platform, session, email=body.email, password=body.password, first=body.first, last=body.last
    )
    return reply(EscrowUser, result, status_code=201)


@router.post("/tokens", status_code=201, response_model=EscrowToken)
async def post_token(body: EscrowTokenIssue, session: Session, platform: PlatformDep) -> Response:
    """An access token for a user and client, as if the user had consented (support and tests)."""
    result = await issue_token(platform, session, email=body.user, client_id=body.client, scope=body.scope)
    return reply(EscrowToken, result, status_code=201)


@router.get("/transactions/{transaction_id}", response_model=EscrowTransaction)
async def get_transaction(transaction_id: Id, session: Session, platform: PlatformDep) -> Response:
    """An online transaction as the operator sees it."""
    return reply(EscrowTransaction, await show(platform, session, transaction_id=transaction_id))


@router.post("/transactions/{transaction_id}/resolve", response_model=EscrowTransaction | EscrowP2PTransaction)
async def post_resolve(transaction_id: Id, body: EscrowResolve, session: Session, platform: PlatformDep) -> Response:
    """Decide a complained transaction: release to the seller or refund the buyer."""
    result = await resolve(platform, session, transaction_id=transaction_id, outcome=body.outcome, p2p=body.p2p)
    return reply(EscrowP2PTransaction if body.p2p else EscrowTransaction, result)


@router.post("/charges", status_code=201, response_model=ChargeRule)
async def post_charges(body: EscrowCharges, session: Session, platform: PlatformDep) -> Response:
    """A new version of the charge calculator for a model, currency and payment method."""
    terms = body.model_dump(exclude={"buyer_pct", "seller_pct"})  # the action's parameters but the percents
    result = await set_charges(
        platform, session, **terms, buyer_pct=body.buyer_pct or Decimal(0), seller_pct=body.seller_pct or Decimal(0)
    )
    return reply(ChargeRule, result, status_code=201)
