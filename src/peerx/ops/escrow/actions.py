"""Operator actions of the Trustap escrow: OAuth2 clients and users, operator tokens (support
and tests), charge calculator versions, and deciding complained transactions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.ops.deps import OPERATOR
from peerx.ops.schemas import (
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
    reply,
)
from peerx.platform import Platform
from peerx.products.escrow import charges, oauth
from peerx.products.escrow.online import FLOW as escrow
from peerx.products.escrow.p2p import FLOW as escrow_p2p
from peerx.web import PlatformDep, Session, wire_router
from peerx.web.types import Id

router = wire_router(dependencies=[OPERATOR], tags=["escrow"])  # /ops/v1/escrow


async def create_client(
    platform: Platform, session: AsyncSession, *, name: str, redirect_uris: list[str], livemode: bool
) -> dict[str, Any]:
    client, secret = await oauth.create_client(session, name=name, redirect_uris=redirect_uris, livemode=livemode)
    return {
        "client_id": client.client_id,
        "client_secret": secret,
        "account_id": client.party_id,  # owns the client's webhook endpoints (surface trustap)
        "livemode": client.livemode,
        "redirect_uris": client.redirect_uris,
    }


async def create_user(
    platform: Platform, session: AsyncSession, *, email: str, password: str, first: str = "", last: str = ""
) -> dict[str, Any]:
    user = await oauth.create_user(session, email=email, password=password, first=first, last=last)
    return {"id": user.id, "email": user.email}


async def issue_token(
    platform: Platform, session: AsyncSession, *, email: str, client_id: str, scope: str
) -> dict[str, Any]:
    ttl = platform.settings.trustap_access_token_seconds
    plaintext, token = await oauth.issue_token(session, email=email, client_id=client_id, scope=scope, ttl=ttl)
    return {"access_token": plaintext, "token_type": "Bearer", "expires_in": ttl, "scope": token.scope}


async def resolve(
    platform: Platform, session: AsyncSession, *, transaction_id: int, outcome: str, p2p: bool = False
) -> dict[str, Any]:
    """Decide a complained transaction (online, or face to face with p2p=True)."""
    if p2p:
        found = await escrow_p2p.resolve(session, transaction_id, outcome=outcome)
        return {**escrow_p2p.tx_view(found), "livemode": found.livemode}
    tx = await escrow.resolve(session, transaction_id, outcome=outcome)
    return {**escrow.tx_view(tx), "livemode": tx.livemode}


async def show(platform: Platform, session: AsyncSession, *, transaction_id: int) -> dict[str, Any]:
    return await escrow.operator_view(session, transaction_id)


async def set_charges(
    platform: Platform,
    session: AsyncSession,
    *,
    model: str,
    currency: str,
    payment_method: str,
    buyer_pct: Decimal,
    buyer_fixed: int,
    seller_pct: Decimal,
    seller_fixed: int,
    min_price: int,
) -> dict[str, Any]:
    rule = await charges.set_version(
        session,
        model=model,
        currency=currency,
        payment_method=payment_method,
        buyer_pct=buyer_pct,
        buyer_fixed=buyer_fixed,
        seller_pct=seller_pct,
        seller_fixed=seller_fixed,
        min_price=min_price,
    )
    return charges.rule_view(rule)


# ---------------------------------------------------------------- /ops/v1/escrow


@router.post("/clients", status_code=201, response_model=EscrowClient)
async def post_client(body: EscrowClientCreate, session: Session, platform: PlatformDep) -> Response:
    """Register an OAuth2 client (an integrator); its secret is shown this once."""
    result = await create_client(
        platform, session, name=body.name, redirect_uris=body.redirect_uris, livemode=not body.test
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
    result = await set_charges(
        platform,
        session,
        model=body.model,
        currency=body.currency,
        payment_method=body.payment_method,
        buyer_pct=body.buyer_pct or Decimal(0),
        buyer_fixed=body.buyer_fixed,
        seller_pct=body.seller_pct or Decimal(0),
        seller_fixed=body.seller_fixed,
        min_price=body.min_price,
    )
    return reply(ChargeRule, result, status_code=201)
