"""/ops/v1: the operator JSON API (bearer PEERX_OPS_TOKEN). Same actions as the CLI."""

from __future__ import annotations

import hmac

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
from peerx.ops import actions, bitcoin, escrow, giftcards, remittances, vouchers
from peerx.platform import Platform
from peerx.web import (
    PlatformDep,
    Session,
    WireJSON,
    decimal_field,
    error_status,
    json_object,
    retry_after,
    surface_app,
)

STATUS = {InvalidField: 400, InsufficientFunds: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409}


def render_error(exc: PeerxError) -> Response:
    status = error_status(exc, STATUS, 400)
    return WireJSON(
        {"error": {"code": exc.code, "message": exc.message, "field": exc.field}},
        status_code=status,
        headers=retry_after(exc),
    )


async def _operator(request: Request, platform: PlatformDep) -> None:
    token = platform.settings.ops_token
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthorized("A valid operator token is required.")


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
        amount = decimal_field(body, "amount")
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

    @ops.post("/accounts/{account_id}/permissions", dependencies=guard)
    async def grant(account_id: int, request: Request, session: Session, platform: PlatformDep) -> Response:
        body = json_object(await request.body())
        permission = str(body.get("permission", ""))
        return WireJSON(await actions.grant_permission(platform, session, account_id=account_id, permission=permission))

    @ops.delete("/accounts/{account_id}/permissions/{permission}", dependencies=guard)
    async def revoke(account_id: int, permission: str, session: Session, platform: PlatformDep) -> Response:
        return WireJSON(
            await actions.revoke_permission(platform, session, account_id=account_id, permission=permission)
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

    @ops.get("/ledger/verify", dependencies=guard)
    async def verify(session: Session, platform: PlatformDep) -> Response:
        report = await actions.verify_ledger(platform, session)
        return WireJSON(report, status_code=200 if report["ok"] else 500)

    ops.include_router(giftcards.router, prefix="/giftcards", dependencies=guard)
    ops.include_router(remittances.router, prefix="/remittances", dependencies=guard)
    ops.include_router(remittances.rails_router, prefix="/rails", dependencies=guard)
    ops.include_router(vouchers.router, prefix="/vouchers", dependencies=guard)
    ops.include_router(escrow.router, prefix="/escrow", dependencies=guard)
    ops.include_router(bitcoin.router, prefix="/bitcoin", dependencies=guard)
    app.mount("/ops/v1", ops)
