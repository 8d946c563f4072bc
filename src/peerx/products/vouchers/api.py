"""The Peerwallet wire surface: /voucher-issue as the document shows it, and the endpoints it
promises without specifying (order lookup, status, redemption, void, receipt) in the same style:
POST values, the `api-private-key` header, {"status": ..., ...} bodies. See docs/vouchers.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from peerx.core.errors import InvalidField, Unauthorized
from peerx.core.money import from_minor
from peerx.core.parties import Caller, authenticate
from peerx.platform import Platform
from peerx.products.vouchers import schemas, service
from peerx.products.vouchers.errors import render_error
from peerx.web import PlatformDep, Session, WireJSON, idempotent, platform_of, surface_app

KEY_PREFIXES = ("pw_live_", "pw_test_")
ISSUED_NOTE = "Voucher purchase was successful"
REPLAY_NOTE = (
    "Voucher purchase was successful. This is a replay of an earlier response: voucher codes are shown "
    "only once, so they are masked here; they were sent to your email"
)
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


async def _caller(request: Request, session: Session) -> Caller:
    """The `api-private-key` header, then the per-key rate limit."""
    key = request.headers.get("api-private-key", "")
    caller = (
        await authenticate(session, surface=service.SURFACE, plaintext=key) if key.startswith(KEY_PREFIXES) else None
    )
    if caller is None:
        raise Unauthorized("api-private-key is missing or invalid")
    platform = platform_of(request)
    await platform.limiter.check(
        platform.settings.peerwallet_rate_limit, service.SURFACE, f"credential:{caller.credential_id}"
    )
    return caller


async def _code_caller(request: Request, caller: Annotated[Caller, Depends(_caller)]) -> Caller:
    """Calls that take a voucher code get a tighter limit too: guessing codes stays hopeless."""
    platform = platform_of(request)
    await platform.limiter.check(
        platform.settings.peerwallet_code_rate_limit, service.SURFACE, "codes", f"credential:{caller.credential_id}"
    )
    return caller


ApiKey = Annotated[Caller, Depends(_caller)]
CodeKey = Annotated[Caller, Depends(_code_caller)]


def issue_body(issued: service.IssuedOrder, codes: str, note: str) -> dict[str, Any]:
    order = issued.order
    return {
        "status": 200,
        "purchase_status": "success",
        "order_id": order.order_id,
        "currency": order.currency,
        "quantity": order.quantity,
        "amount": service.wire_amount(order.amount),
        "total_charged": service.wire_amount(order.total_charged),
        "voucher_codes": codes,
        "exp_date": service.unix(order.expires_at),
        "date_created": service.unix(order.created_at),
        "receipt_url": issued.receipt_url,
        "note": note,
    }


def build_surface(platform: Platform) -> FastAPI:
    service.FeePolicy.from_settings(platform.settings)  # refuse to start with a malformed fee
    app = surface_app("Peerwallet API (peerx)", platform, render_error)

    @app.post("/voucher-issue")
    async def issue(request: Request, session: Session, caller: ApiKey, platform: PlatformDep) -> Response:
        issue_request = schemas.issue_request(await schemas.post_values(request))
        params = {k: str(v) for k, v in vars(issue_request).items()}
        shown: list[Response] = []

        async def create() -> Response:
            issued = await service.issue(session, platform.keys, platform.settings, caller, issue_request)
            # The codes leave in this response only; what Idempotency-Key stores for a replay
            # is the same body with the codes masked (the database never holds a code).
            shown.append(WireJSON(issue_body(issued, ", ".join(issued.codes), ISSUED_NOTE)))
            masked = ", ".join(service.masked(code[-4:]) for code in issued.codes)
            return WireJSON(issue_body(issued, masked, REPLAY_NOTE))

        replay_or_masked = await idempotent(request, session, caller.scope, params, create)
        return shown[0] if shown else replay_or_masked

    async def _order(session: Session, caller: Caller, order_id: str, platform: Platform) -> Response:
        order = await service.get_order(session, caller, order_id)
        vouchers = await service.order_vouchers(session, order)
        return WireJSON(
            {
                "status": 200,
                **service.order_summary(order),
                "receipt_url": service.receipt_url(platform.settings, platform.keys.pepper, order.order_id),
                "voucher_status_counts": service.status_counts(vouchers),
                "vouchers": [service.voucher_view(v) for v in vouchers],
                "note": "Voucher codes are masked: Peerwallet keeps only a one-way hash of each code",
            }
        )

    @app.get("/voucher-order")
    async def order_by_query(
        session: Session, caller: ApiKey, platform: PlatformDep, order_id: str | None = None
    ) -> Response:
        return await _order(session, caller, schemas.order_id({"order_id": order_id}), platform)

    @app.post("/voucher-order")
    async def order_by_post(request: Request, session: Session, caller: ApiKey, platform: PlatformDep) -> Response:
        return await _order(session, caller, schemas.order_id(await schemas.post_values(request)), platform)

    @app.post("/voucher-status")
    async def status(request: Request, session: Session, caller: CodeKey, platform: PlatformDep) -> Response:
        code = schemas.voucher_code(await schemas.post_values(request))
        voucher = await service.voucher_by_code(session, platform.keys.pepper, caller, code)
        body: dict[str, Any] = {"status": 200, **service.voucher_view(voucher)}
        if voucher.party_id == caller.party_id:  # the order is the vendor's business only
            body["order_id"] = (await service.order_of(session, voucher)).order_id
        body["note"] = f"Voucher is {body['voucher_status']}"
        return WireJSON(body)

    @app.post("/voucher-redeem")
    async def redeem(request: Request, session: Session, caller: CodeKey, platform: PlatformDep) -> Response:
        code = schemas.voucher_code(await schemas.post_values(request))
        # Idempotency fingerprints hold the code's keyed hash, never the code.
        params = {"voucher_code": service.hash_code(platform.keys.pepper, service.normalize_code(code))}

        async def run() -> Response:
            done = await service.redeem(session, platform.keys.pepper, caller, code)
            voucher = done.voucher
            amount = service.wire_amount(voucher.amount)
            return WireJSON(
                {
                    "status": 200,
                    "redeem_status": "success",
                    "voucher_code": service.masked(voucher.last4),
                    "currency": voucher.currency,
                    "amount": amount,
                    "date_redeemed": service.unix(voucher.redeemed_at),
                    "balance": from_minor(done.balance, service.CURRENCY),
                    "note": f"Voucher redeemed: {amount} {voucher.currency} was credited to your balance",
                }
            )

        return await idempotent(request, session, caller.scope, params, run)

    @app.post("/voucher-void")
    async def void(request: Request, session: Session, caller: CodeKey, platform: PlatformDep) -> Response:
        values = await schemas.post_values(request)
        order_id, codes = schemas.order_id(values), schemas.voucher_codes(values)
        pepper = platform.keys.pepper
        hashes = sorted(service.hash_code(pepper, service.normalize_code(c, "voucher_codes")) for c in codes or [])
        params = {"order_id": order_id.upper(), "voucher_codes": hashes}

        async def run() -> Response:
            order, voided = await service.void(session, pepper, caller, order_id, codes)
            refunded = service.wire_amount(sum(v.amount for v in voided))
            return WireJSON(
                {
                    "status": 200,
                    "void_status": "success",
                    "order_id": order.order_id,
                    "currency": order.currency,
                    "quantity": len(voided),
                    "amount_refunded": refunded,
                    "vouchers": [service.voucher_view(v) for v in voided],
                    "note": f"{len(voided)} voucher(s) voided: {refunded} {order.currency} returned to your balance",
                }
            )

        return await idempotent(request, session, caller.scope, params, run)

    @app.get("/receipt", response_class=HTMLResponse)
    async def receipt(session: Session, platform: PlatformDep, token: str | None = None) -> Response:
        if not token or len(token) > 200:
            raise InvalidField("token", "is required")
        order = await service.order_for_receipt(session, platform.keys.pepper, token)
        vouchers = await service.order_vouchers(session, order)
        html = TEMPLATES.get_template("receipt.html").render(
            order=service.order_summary(order),
            livemode=order.livemode,
            face_total=service.wire_amount(order.face_total),
            vouchers=[service.voucher_view(v) for v in vouchers],
            created=order.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            expires=order.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
        # The token is in the URL: keep the page out of caches, referrers and search engines.
        return HTMLResponse(
            html,
            headers={
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Robots-Tag": "noindex, nofollow",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            },
        )

    return app
