"""The rail callback surface, mounted at /rails/v1 by the composition root (peerx.app): MTN MoMo's
transfer callback and Orange Money's cash-in notification. Both arrive unsigned (MTN sends once,
without retry), so neither settles anything: each only wakes the payout's job, which asks the
provider for the status itself. The answer never says whether the reference was known.

The rails own what a callback is (its body model) and what it does (a plain function given the
session); this module owns only the HTTP: routes, answers, errors and the mount."""

from __future__ import annotations

from fastapi import FastAPI, Response
from pydantic import ConfigDict, Field

from peerx.core.errors import NotFound, PeerxError
from peerx.platform import Platform
from peerx.rails.mtn_momo import callbacks as mtn_momo
from peerx.rails.mtn_momo.callbacks import MtnCallback
from peerx.rails.orange_money import callbacks as orange_money
from peerx.rails.orange_money.callbacks import OrangeNotification
from peerx.web import Session, WireJSON, error_status, retry_after, surface_app, wire_router
from peerx.wire import WireModel

PREFIX = "/rails/v1"

DESCRIPTION = """Where MTN MoMo (`X-Callback-Url`) and Orange Money (`notifUrl`) report on payouts.

Both are unsigned, so a callback settles nothing: it wakes the payout's job, which asks the
provider for the status itself (at most once every 5 s per reference). Every callback with a
reference is answered `200 {"received": true}`, whether or not the reference is ours; a callback
without one, or with a malformed field, is answered 400 `{"error": "..."}` naming the field."""


class Received(WireModel):
    """The answer to every callback with a reference, known or not (it never tells)."""

    received: bool = Field(description="Always true.")


class RailsError(WireModel):
    """A refused callback: 400 without a reference or with a malformed field."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"error": "referenceId or externalId is required"}]})

    error: str


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
    await mtn_momo.on_callback(session, body)
    return WireJSON(RECEIVED)


@router.post("/orange_money/notify", response_model=Received)
async def orange_money_notify(body: OrangeNotification, session: Session) -> Response:
    """Orange Money's cash-in notification: wakes the payout whose payToken it names."""
    await orange_money.on_notification(session, body)
    return WireJSON(RECEIVED)


def build_app(platform: Platform) -> FastAPI:
    app = surface_app("peerx rail callbacks", platform, render_error, description=DESCRIPTION, error_model=RailsError)
    app.include_router(router)
    return app


def mount(app: FastAPI, platform: Platform) -> None:
    app.mount(PREFIX, build_app(platform))
