"""Operator actions of the Trustap escrow: OAuth2 clients and users, operator tokens (support
and tests), charge calculator versions, and deciding complained transactions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.ops.actions import product_step
from peerx.platform import Platform
from peerx.products.escrow import charges, oauth
from peerx.products.escrow.online import FLOW as escrow
from peerx.products.escrow.p2p import FLOW as escrow_p2p


async def create_client(
    platform: Platform,
    session: AsyncSession,
    *,
    name: str,
    redirect_uris: list[str],
    livemode: bool,
    shape: str = oauth.DEFAULT_SHAPE,
) -> dict[str, Any]:
    client, secret = await oauth.create_client(
        session, name=name, redirect_uris=redirect_uris, livemode=livemode, shape=shape
    )
    return {
        "client_id": client.client_id,
        "client_secret": secret,
        "account_id": client.party_id,  # owns the client's webhook endpoints (surface trustap)
        "livemode": client.livemode,
        "redirect_uris": client.redirect_uris,
        "shape": client.shape,
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


# A new calculator version (model, currency, payment method, each side's percent and fixed part,
# minimum price): the product's parameters, its view.
set_charges = product_step(charges.set_version, charges.rule_view)


# ---------------------------------------------------------------- /ops/v1/escrow
