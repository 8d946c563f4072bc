"""Provider callbacks, mounted at /rails/v1: MTN MoMo's transfer callback and Orange Money's
cash-in notification. Both arrive unsigned (MTN sends once, without retry), so neither settles
anything: each only wakes the payout's job, which asks the provider for the status itself.
The answer never says whether the reference was known."""

from __future__ import annotations

from fastapi import FastAPI, Response
from sqlalchemy import select

from peerx.core.errors import InvalidField, NotFound, PeerxError
from peerx.platform import Platform
from peerx.rails.models import RailPayToken
from peerx.rails.mtn_momo import parse_callback
from peerx.rails.payout_flow import wake
from peerx.rails.schemas import MtnCallback, OrangeNotification, RailsError, Received
from peerx.web import Session, WireJSON, error_status, retry_after, surface_app, wire_router

PREFIX = "/rails/v1"

DESCRIPTION = """Where MTN MoMo (`X-Callback-Url`) and Orange Money (`notifUrl`) report on payouts.

Both are unsigned, so a callback settles nothing: it wakes the payout's job, which asks the
provider for the status itself (at most once every 5 s per reference). Every callback with a
reference is answered `200 {"received": true}`, whether or not the reference is ours; a callback
without one, or with a malformed field, is answered 400 `{"error": "..."}` naming the field."""


def render_error(exc: PeerxError) -> Response:
    status = error_status(exc, {NotFound: 404}, 400)
    return WireJSON({"error": exc.message}, status_code=status, headers=retry_after(exc))


router = wire_router(tags=["callbacks"])
RECEIVED = Received(received=True)


# MTN documents a POST; some of its products call back with PUT. Either is a hint.
@router.post("/mtn_momo/callback", response_model=Received)
@router.put("/mtn_momo/callback", response_model=Received)
async def mtn_momo_callback(body: MtnCallback, session: Session) -> Response:
    """MTN MoMo's transfer callback: wakes the payout with this referenceId (else externalId)."""
    try:
        reference, _claim = parse_callback(body.wire(exclude_none=True))
    except ValueError:
        raise InvalidField("referenceId", "or externalId is required") from None
    await wake(session, reference)
    return WireJSON(RECEIVED)


@router.post("/orange_money/notify", response_model=Received)
async def orange_money_notify(body: OrangeNotification, session: Session) -> Response:
    """Orange Money's cash-in notification: wakes the payout whose payToken it names."""
    token = body.pay_token()
    if token is None:
        raise InvalidField("payToken", "is required")
    reference = await session.scalar(select(RailPayToken.reference).where(RailPayToken.pay_token == token))
    if reference is not None:
        await wake(session, reference)
    return WireJSON(RECEIVED)


def build_app(platform: Platform) -> FastAPI:
    app = surface_app("peerx rail callbacks", platform, render_error, description=DESCRIPTION, error_model=RailsError)
    app.include_router(router)
    return app


def mount(app: FastAPI, platform: Platform) -> None:
    app.mount(PREFIX, build_app(platform))
