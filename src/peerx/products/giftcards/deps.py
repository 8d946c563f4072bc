"""Named auth dependencies of the PeerTupeer surface: the merchant's X-API-Key (then its rate
limit), the per-address limit of the public endpoints, and the Idempotency-Key header of POSTs.
Each is declared with FastAPI's security classes or parameters, so the served OpenAPI document
shows the scheme and which operations need it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader

from peerx.core.errors import Unauthorized
from peerx.core.parties import Caller, authenticate
from peerx.products.giftcards.service import SURFACE
from peerx.web import Session, platform_of
from peerx.wire import IdempotencyKeyText

KEY_PREFIXES = ("ptp_live_", "ptp_test_")

api_key = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description=(
        "A merchant API key: `ptp_live_...` for real trades, `ptp_test_...` for the sandbox "
        "(test data only, sandbox payouts, self-reviewing test cards). 100 requests per minute per key."
    ),
    auto_error=False,  # a missing key answers in the document's envelope (401), not FastAPI's
)


async def merchant(request: Request, session: Session, key: Annotated[str | None, Security(api_key)]) -> Caller:
    """The merchant behind X-API-Key, then that key's rate limit (100 requests per minute)."""
    caller = (
        await authenticate(session, surface=SURFACE, plaintext=key) if key and key.startswith(KEY_PREFIXES) else None
    )
    if caller is None:
        raise Unauthorized("Invalid API key or unauthorized access.")
    platform = platform_of(request)
    await platform.limiter.check(platform.settings.peertupeer_rate_limit, SURFACE, f"credential:{caller.credential_id}")
    return caller


async def public(request: Request) -> None:
    """Public endpoints (rates, sandbox): the same limit, counted per client address."""
    client = request.client.host if request.client else "unknown"
    platform = platform_of(request)
    await platform.limiter.check(platform.settings.peertupeer_rate_limit, SURFACE, f"ip:{client}")


def idempotency_key(
    key: Annotated[
        IdempotencyKeyText | None,
        Header(
            alias="Idempotency-Key",
            description=(
                "Optional, at most 255 characters. The same key with the same request within 24 hours "
                "replays the stored response (with `Idempotent-Replayed: true`); with another request "
                "it is refused (422). A failed request stores nothing."
            ),
        ),
    ] = None,
) -> str | None:
    """Declares (and checks) the header; peerx.web.idempotent reads it."""
    return key


Merchant = Annotated[Caller, Depends(merchant)]
Public = Depends(public)
IdempotencyKey = Depends(idempotency_key)
