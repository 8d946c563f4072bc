"""The PeerTupeer v1 wire surface: same paths (with .php), fields and envelopes as the document."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response

from peerx.core.errors import InvalidField, Unauthorized
from peerx.core.money import from_minor
from peerx.core.parties import Caller, authenticate
from peerx.core.webhooks import add_endpoint, disable_endpoint
from peerx.platform import Platform
from peerx.products.giftcards import schemas, service
from peerx.products.giftcards.errors import render_error
from peerx.products.giftcards.sandbox import test_cards_view
from peerx.web import PlatformDep, Session, WireJSON, idempotent, json_object, page_params, platform_of, surface_app

KEY_PREFIXES = ("ptp_live_", "ptp_test_")


async def _merchant(request: Request, session: Session) -> Caller:
    """X-API-Key auth, then the per-key rate limit (100 requests per minute)."""
    key = request.headers.get("x-api-key", "")
    caller = (
        await authenticate(session, surface=service.SURFACE, plaintext=key) if key.startswith(KEY_PREFIXES) else None
    )
    if caller is None:
        raise Unauthorized("Invalid API key or unauthorized access.")
    platform = platform_of(request)
    await platform.limiter.check(
        platform.settings.peertupeer_rate_limit, service.SURFACE, f"credential:{caller.credential_id}"
    )
    return caller


async def _public(request: Request) -> None:
    client = request.client.host if request.client else "unknown"
    platform = platform_of(request)
    await platform.limiter.check(platform.settings.peertupeer_rate_limit, service.SURFACE, f"ip:{client}")


Merchant = Annotated[Caller, Depends(_merchant)]
Public = Depends(_public)


def ok(data: Any = None, message: str | None = None, status_code: int = 200, **extra: Any) -> WireJSON:
    body: dict[str, Any] = {"success": True}
    if message is not None:
        body["message"] = message
    if data is not None:
        body["data"] = data
    body.update(extra)
    return WireJSON(body, status_code=status_code)


def build_surface(platform: Platform) -> FastAPI:
    # trades.php takes up to three images, each at most max_upload_bytes, beside a few fields.
    uploads = 3 * platform.settings.max_upload_bytes + platform.settings.max_form_bytes
    app = surface_app("PeerTupeer API (peerx)", platform, render_error, upload_bytes=uploads)

    @app.get("/rates.php", dependencies=[Public])
    async def rates(session: Session) -> Response:
        return ok([service.rate_view(rate) for rate in await service.active_rates(session)])

    @app.get("/sandbox.php", dependencies=[Public])
    async def sandbox(action: str | None = None) -> Response:
        if action != "test-cards":
            raise InvalidField("action", "must be test-cards")
        return ok(
            {
                "cards": test_cards_view(),
                "note": "Use these card numbers with a ptp_test_ key; the trade reviews itself.",
            }
        )

    @app.get("/trades.php")
    async def list_trades(
        session: Session,
        caller: Merchant,
        status: str | None = None,
        page: str | None = None,
        per_page: str | None = None,
    ) -> Response:
        if status is not None and status not in ("pending", "approved", "rejected"):
            raise InvalidField("status", "must be pending, approved or rejected")
        page_no, size = page_params(page, per_page, default_size=20, max_size=100)
        trades, total = await service.list_trades(session, caller, status=status, page=page_no, per_page=size)
        return ok([service.trade_view(t) for t in trades], meta={"page": page_no, "per_page": size, "total": total})

    @app.post("/trades.php")
    async def submit_trade(request: Request, session: Session, caller: Merchant, platform: PlatformDep) -> Response:
        max_bytes = platform.settings.max_upload_bytes
        async with request.form(max_files=3, max_fields=20) as form:
            submission = await schemas.trade_submission(form, max_bytes=max_bytes)
        params = {
            **{k: str(v) for k, v in vars(submission).items() if not k.endswith("_image")},
            **{
                u.field: hashlib.sha256(u.data).hexdigest()
                for u in (submission.front_image, submission.back_image, submission.receipt_image)
                if u
            },
        }

        async def create() -> Response:
            trade = await service.submit_trade(
                session,
                platform.files,
                platform.keys.cipher,
                caller,
                submission,
                sandbox_delay=timedelta(seconds=platform.settings.giftcards_sandbox_delay_seconds),
            )
            view = service.trade_view(trade)
            data = {
                k: view[k]
                for k in (
                    "reference",
                    "status",
                    "card_amount",
                    "currency",
                    "gross_payout_ghs",
                    "fee_ghs",
                    "net_payout_ghs",
                )
            }
            return ok(data, "Trade submitted successfully.")

        return await idempotent(request, session, caller.scope, params, create)

    @app.get("/trade-status.php")
    async def trade_status(session: Session, caller: Merchant, reference: str | None = None) -> Response:
        if not reference:
            raise InvalidField("reference", "is required")
        return ok(service.trade_view(await service.get_trade(session, caller, reference)))

    @app.get("/wallet.php")
    async def wallet(session: Session, caller: Merchant) -> Response:
        view = await service.wallet(session, caller)
        cur = service.PAYOUT_CURRENCY
        return ok(
            {
                "currency": cur,
                "available_balance": from_minor(view.available, cur),
                "pending_balance": from_minor(view.pending_trades, cur),
                "held_balance": from_minor(view.held, cur),
            }
        )

    @app.post("/withdrawals.php")
    async def create_withdrawal(request: Request, session: Session, caller: Merchant) -> Response:
        body = json_object(await request.body())
        withdrawal_request = schemas.withdrawal_request(body)

        async def create() -> Response:
            withdrawal = await service.request_withdrawal(session, caller, withdrawal_request)
            return ok(service.withdrawal_view(withdrawal), "Withdrawal request submitted.")

        return await idempotent(request, session, caller.scope, body, create)

    @app.get("/withdrawals.php")
    async def list_withdrawals(
        session: Session, caller: Merchant, page: str | None = None, per_page: str | None = None
    ) -> Response:
        page_no, size = page_params(page, per_page, default_size=20, max_size=100)
        rows, total = await service.list_withdrawals(session, caller, page=page_no, per_page=size)
        return ok([service.withdrawal_view(w) for w in rows], meta={"page": page_no, "per_page": size, "total": total})

    @app.get("/rate-updates.php")
    async def list_rate_subscriptions(session: Session, caller: Merchant) -> Response:
        rows = await service.rate_subscriptions(session, caller)
        return ok(
            [
                {
                    "webhook_id": e.id,
                    "url": e.url,
                    "event": "rate.updated",
                    "created_at": service.wire_time(e.created_at),
                }
                for e in rows
            ]
        )

    @app.post("/rate-updates.php")
    async def subscribe_rates(request: Request, session: Session, caller: Merchant, platform: PlatformDep) -> Response:
        body = json_object(await request.body())
        url = schemas.text_field(body, "url", required=True, max_length=2000)
        assert url is not None

        async def create() -> Response:
            created = await add_endpoint(
                session,
                platform.keys.cipher,
                party_id=caller.party_id,
                surface=service.SURFACE,
                url=url,
                livemode=caller.livemode,
                event_types=["rate.updated"],
            )
            return ok(
                {"webhook_id": created.endpoint.id, "url": url, "event": "rate.updated", "secret": created.secret},
                "Rate update subscription created.",
            )

        return await idempotent(request, session, caller.scope, body, create)

    @app.delete("/rate-updates.php")
    async def unsubscribe_rates(session: Session, caller: Merchant, id: str | None = None) -> Response:
        if not id or not id.isdigit():
            raise InvalidField("id", "is required and must be a subscription id")
        await disable_endpoint(session, await service.rate_subscription(session, caller, int(id)))
        return ok(message="Rate update subscription deleted.")

    return app
