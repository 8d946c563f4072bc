"""What every Trustap route shares: who is calling (a bearer token, or an API key where the spec
allows one), the request body, and running a change once per Idempotency-Key."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from peerx.core.errors import Unauthorized
from peerx.core.parties import authenticate
from peerx.products.escrow import oauth, service
from peerx.products.escrow.queries import Actor
from peerx.web import Session, WireJSON, idempotent, json_object

API_KEY_PREFIXES = ("tpk_live_", "tpk_test_")


async def bearer_user(request: Request, session: Session) -> oauth.TokenUser:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer access token is required.")
    return await oauth.bearer_user(session, token.strip())


async def charge_caller(request: Request, session: Session) -> None:
    """/charge: a user's bearer token, or an API key as the Basic auth user name."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            user_name = base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            user_name = ""
        if user_name.startswith(API_KEY_PREFIXES) and await authenticate(
            session, surface=service.SURFACE, plaintext=user_name
        ):
            return
        raise Unauthorized("Invalid API key.")
    await bearer_user(request, session)


User = Annotated[oauth.TokenUser, Depends(bearer_user)]


def actor(user: oauth.TokenUser) -> Actor:
    return Actor(user.user.id, user.livemode, user.client.client_id, user.client.party_id)


def ok(body: Any, status_code: int = 200) -> WireJSON:
    return WireJSON(body, status_code=status_code)


async def body_of(request: Request) -> dict[str, Any]:
    """A JSON object, or {} for the steps the document calls without a body."""
    raw = await request.body()
    return json_object(raw) if raw.strip() else {}


def user_scope(user: oauth.TokenUser) -> str:
    """Idempotency-Key per user (not per token: a refreshed token retries in the same key space)."""
    return f"trustap_user:{user.user.id}"


async def once(
    request: Request,
    session: Session,
    user: oauth.TokenUser,
    params: object,
    produce: Callable[[], Awaitable[Any]],
    status_code: int = 200,
) -> Response:
    """Run a change and answer its body, once per Idempotency-Key."""

    async def run() -> Response:
        return ok(await produce(), status_code)

    return await idempotent(request, session, user_scope(user), params, run)
