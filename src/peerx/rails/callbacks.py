"""Provider callbacks, mounted at /rails/v1: MTN MoMo's transfer callback and Orange Money's
cash-in notification. Both arrive unsigned (MTN sends once, without retry), so neither settles
anything: each only wakes the payout's job, which asks the provider for the status itself.
The answer never says whether the reference was known."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from sqlalchemy import select

from peerx.core.errors import InvalidField, NotFound, PeerxError
from peerx.platform import Platform
from peerx.rails.models import RailPayToken
from peerx.rails.mtn_momo import parse_callback
from peerx.rails.payout_flow import wake
from peerx.web import Session, WireJSON, error_status, json_object, retry_after, surface_app

PREFIX = "/rails/v1"


def render_error(exc: PeerxError) -> Response:
    status = error_status(exc, {NotFound: 404}, 400)
    return WireJSON({"error": exc.message}, status_code=status, headers=retry_after(exc))


def _pay_token(body: dict[str, Any]) -> str | None:
    data = body.get("data")
    for source in (body, data if isinstance(data, dict) else {}):
        token = source.get("payToken")
        if isinstance(token, str) and token:
            return token
    return None


def build_app(platform: Platform) -> FastAPI:
    app = surface_app("peerx rail callbacks", platform, render_error)

    # MTN documents a POST; some of its products call back with PUT. Either is a hint.
    @app.post("/mtn_momo/callback")
    @app.put("/mtn_momo/callback")
    async def mtn_momo_callback(request: Request, session: Session) -> Response:
        body = json_object(await request.body())
        try:
            reference, _claim = parse_callback(body)
        except ValueError:
            raise InvalidField("referenceId", "or externalId is required") from None
        await wake(session, reference)
        return WireJSON({"received": True})

    @app.post("/orange_money/notify")
    async def orange_money_notify(request: Request, session: Session) -> Response:
        token = _pay_token(json_object(await request.body()))
        if token is None:
            raise InvalidField("payToken", "is required")
        reference = await session.scalar(select(RailPayToken.reference).where(RailPayToken.pay_token == token))
        if reference is not None:
            await wake(session, reference)
        return WireJSON({"received": True})

    return app


def mount(app: FastAPI, platform: Platform) -> None:
    app.mount(PREFIX, build_app(platform))
