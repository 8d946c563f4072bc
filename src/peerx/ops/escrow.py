"""Operator actions of the Trustap escrow: OAuth2 clients and users, operator tokens (support
and tests), charge calculator versions, and deciding complained transactions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import InvalidField
from peerx.platform import Platform
from peerx.products.escrow import charges, oauth
from peerx.products.escrow import p2p as escrow_p2p
from peerx.products.escrow import service as escrow
from peerx.web import PlatformDep, Session, WireJSON, decimal_field, json_object

router = APIRouter()


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


def _int(body: dict[str, Any], name: str, default: int = 0) -> int:
    raw = body.get(name, default)
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal) or raw % 1 != 0:
        raise InvalidField(name, "must be an integer")
    return int(raw)


@router.post("/clients", status_code=201)
async def post_client(request: Request, session: Session, platform: PlatformDep) -> Response:
    body = json_object(await request.body())
    uris = body.get("redirect_uris")
    if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
        raise InvalidField("redirect_uris", "must be a list of URLs")
    result = await create_client(
        platform, session, name=str(body.get("name", "")), redirect_uris=uris, livemode=not bool(body.get("test"))
    )
    return WireJSON(result, status_code=201)


@router.post("/users", status_code=201)
async def post_user(request: Request, session: Session, platform: PlatformDep) -> Response:
    body = json_object(await request.body())
    result = await create_user(
        platform,
        session,
        email=str(body.get("email", "")),
        password=str(body.get("password", "")),
        first=str(body.get("first", "")),
        last=str(body.get("last", "")),
    )
    return WireJSON(result, status_code=201)


@router.post("/tokens", status_code=201)
async def post_token(request: Request, session: Session, platform: PlatformDep) -> Response:
    body = json_object(await request.body())
    result = await issue_token(
        platform,
        session,
        email=str(body.get("user", "")),
        client_id=str(body.get("client", "")),
        scope=str(body.get("scope", oauth.API_SCOPE)),
    )
    return WireJSON(result, status_code=201)


@router.get("/transactions/{transaction_id}")
async def get_transaction(transaction_id: int, session: Session, platform: PlatformDep) -> Response:
    return WireJSON(await show(platform, session, transaction_id=transaction_id))


@router.post("/transactions/{transaction_id}/resolve")
async def post_resolve(transaction_id: int, request: Request, session: Session, platform: PlatformDep) -> Response:
    body = json_object(await request.body())
    return WireJSON(
        await resolve(
            platform,
            session,
            transaction_id=transaction_id,
            outcome=str(body.get("outcome", "")),
            p2p=bool(body.get("p2p", False)),
        )
    )


@router.post("/charges", status_code=201)
async def post_charges(request: Request, session: Session, platform: PlatformDep) -> Response:
    body = json_object(await request.body())
    buyer_pct = decimal_field(body, "buyer_pct", required=False) or Decimal(0)
    seller_pct = decimal_field(body, "seller_pct", required=False) or Decimal(0)
    result = await set_charges(
        platform,
        session,
        model=str(body.get("model", "online")),
        currency=str(body.get("currency", "")),
        payment_method=str(body.get("payment_method", "card")),
        buyer_pct=buyer_pct,
        buyer_fixed=_int(body, "buyer_fixed"),
        seller_pct=seller_pct,
        seller_fixed=_int(body, "seller_fixed"),
        min_price=_int(body, "min_price", 100),
    )
    return WireJSON(result, status_code=201)
