"""/ops/v1: the operator JSON API (bearer PEERX_OPS_TOKEN). Same actions as the CLI."""

from __future__ import annotations

import hmac
from decimal import Decimal
from typing import Any

from fastapi import Depends, FastAPI, Request, Response

from peerx.core.errors import (
    Conflict,
    Forbidden,
    InsufficientFunds,
    InvalidField,
    NotFound,
    PeerxError,
    Unauthorized,
)
from peerx.core.money import parse_decimal
from peerx.ops import actions
from peerx.platform import Platform
from peerx.web import PlatformDep, Session, WireJSON, json_object, surface_app

STATUS = {InvalidField: 400, InsufficientFunds: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409}


def render_error(exc: PeerxError) -> Response:
    status = int(str(exc.details.get("status", 0))) or STATUS.get(type(exc), 400)
    return WireJSON({"error": {"code": exc.code, "message": exc.message, "field": exc.field}}, status_code=status)


async def _operator(request: Request, platform: PlatformDep) -> None:
    token = platform.settings.ops_token
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthorized("A valid operator token is required.")


def _decimal(body: dict[str, Any], name: str, *, required: bool = True) -> Decimal | None:
    if body.get(name) is None:
        if required:
            raise InvalidField(name, "is required")
        return None
    try:
        return parse_decimal(body[name])
    except ValueError:
        raise InvalidField(name, "must be a number") from None


def mount(app: FastAPI, platform: Platform) -> None:
    ops = surface_app("peerx operator API", platform, render_error)
    guard = [Depends(_operator)]

    @ops.post("/accounts", dependencies=guard, status_code=201)
    async def create_account(request: Request, session: Session, platform: PlatformDep) -> Response:
        body = json_object(await request.body())
        result = await actions.create_account(
            platform, session, name=str(body.get("name", "")), email=str(body.get("email", ""))
        )
        return WireJSON(result, status_code=201)

    @ops.post("/accounts/{account_id}/fund", dependencies=guard)
    async def fund(account_id: int, request: Request, session: Session, platform: PlatformDep) -> Response:
        body = json_object(await request.body())
        amount = _decimal(body, "amount")
        assert amount is not None
        return WireJSON(
            await actions.fund_account(
                platform,
                session,
                account_id=account_id,
                currency=str(body.get("currency", "")),
                amount=amount,
                livemode=not bool(body.get("test", False)),
            )
        )

    @ops.post("/webhooks", dependencies=guard, status_code=201)
    async def add_webhook(request: Request, session: Session, platform: PlatformDep) -> Response:
        body = json_object(await request.body())
        result = await actions.add_webhook(
            platform,
            session,
            account_id=int(body.get("account_id", 0)),
            url=str(body.get("url", "")),
            livemode=not bool(body.get("test", False)),
            surface=str(body.get("surface", "peertupeer")),
        )
        return WireJSON(result, status_code=201)

    @ops.put("/giftcards/rates", dependencies=guard)
    async def set_rate(request: Request, session: Session, platform: PlatformDep) -> Response:
        body = json_object(await request.body())
        rate, fee = _decimal(body, "rate"), _decimal(body, "fee_pct")
        assert rate is not None and fee is not None
        return WireJSON(
            await actions.set_rate(
                platform,
                session,
                card_type_id=int(body.get("card_type_id", 0)),
                card_name=str(body.get("card_name", "")),
                country=str(body.get("country", "")),
                currency=str(body.get("currency", "")),
                rate=rate,
                fee_pct=fee,
                active=bool(body.get("active", True)),
            )
        )

    @ops.post("/giftcards/trades/{reference}/approve", dependencies=guard)
    async def approve(reference: str, request: Request, session: Session, platform: PlatformDep) -> Response:
        body = json_object(await request.body() or b"{}")
        return WireJSON(
            await actions.approve_trade(
                platform, session, reference=reference, card_amount=_decimal(body, "card_amount", required=False)
            )
        )

    @ops.post("/giftcards/trades/{reference}/reject", dependencies=guard)
    async def reject(reference: str, request: Request, session: Session, platform: PlatformDep) -> Response:
        body = json_object(await request.body())
        return WireJSON(
            await actions.reject_trade(platform, session, reference=reference, reason=str(body.get("reason", "")))
        )

    @ops.get("/ledger/verify", dependencies=guard)
    async def verify(session: Session, platform: PlatformDep) -> Response:
        report = await actions.verify_ledger(platform, session)
        return WireJSON(report, status_code=200 if report["ok"] else 500)

    app.mount("/ops/v1", ops)
