"""The Peerwallet wire surface: /voucher-issue as the document shows it, and the endpoints it
promises without specifying (order lookup, status, redemption, void, receipt) in the same style:
POST values (a form or a JSON object), the `api-private-key` header, {"status": ..., ...} bodies.
See docs/vouchers.md. Only the wire lives here: the rules are in service.py."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from peerx.core.money import from_minor, to_minor
from peerx.core.parties import Caller
from peerx.platform import Platform
from peerx.products.vouchers import repository, service
from peerx.products.vouchers.deps import (
    ApiKey,
    CodeKey,
    CodeValues,
    Idempotent,
    IssueValues,
    OrderValues,
    VoidValues,
    post_body,
)
from peerx.products.vouchers.errors import render_error
from peerx.products.vouchers.models import Voucher
from peerx.products.vouchers.schemas import (
    ErrorResponse,
    OrderId,
    ReceiptToken,
    VoucherCodeRequest,
    VoucherIssueRequest,
    VoucherIssueResponse,
    VoucherOrderRequest,
    VoucherOrderResponse,
    VoucherRedeemResponse,
    VoucherStatusCounts,
    VoucherStatusResponse,
    VoucherView,
    VoucherVoidRequest,
    VoucherVoidResponse,
    WireResponse,
)
from peerx.web import PlatformDep, Session, WireJSON, idempotent, surface_app, wire_router

ISSUED_NOTE = "Voucher purchase was successful"
REPLAY_NOTE = (
    "Voucher purchase was successful. This is a replay of an earlier response: voucher codes are shown "
    "only once, so they are masked here; they were sent to your email"
)
ORDER_NOTE = "Voucher codes are masked: Peerwallet keeps only a one-way hash of each code"
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
DESCRIPTION = """Peerwallet vouchers, as peerx serves them (docs/vouchers.md).

Send your key in the `api-private-key` header: `pw_live_...` keys act on live money, `pw_test_...`
keys on the test balance. POST values may be form-encoded or a JSON object. Every answer repeats
the HTTP status in `"status"`; an error is `{"status": <HTTP status>, "message": "..."}`, the
message naming the field or header."""

ERRORS: dict[int, str] = {
    400: "A field is missing, malformed or out of its limits; the message names it.",
    401: "`api-private-key` is missing, unknown, revoked, or another product's key.",
    402: "The balance does not cover `total_charged`.",
    403: 'The key\'s account lacks the "transfer funds" permission.',
    404: "Unknown voucher code, order or receipt.",
    409: "The voucher or order is not in a state that allows it.",
    422: "An Idempotency-Key reused with other values.",
    429: "Rate limit (per key; tighter on calls that take a code). Retry after `Retry-After` seconds.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse, "description": ERRORS[status]} for status in statuses}


def json_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """errors() for a route whose success is not JSON: FastAPI would file its errors under the
    route's media type (text/html), so the content is spelled out, the default error too."""
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    documented: dict[int | str, dict[str, Any]] = {
        "default": {"description": "An error, in this API's envelope.", "content": content}
    }
    for status in statuses:
        documented[status] = {"description": ERRORS[status], "content": content}
    return documented


router = wire_router()

# ---------------------------------------------------------------- issue


def seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def issue_response(issued: service.IssuedOrder, codes: str, note: str) -> VoucherIssueResponse:
    order = issued.order
    return VoucherIssueResponse(
        order_id=order.order_id,
        currency=order.currency,
        quantity=order.quantity,
        amount=service.wire_amount(order.amount),
        total_charged=service.wire_amount(order.total_charged),
        voucher_codes=codes,
        exp_date=seconds(order.expires_at),
        date_created=seconds(order.created_at),
        receipt_url=issued.receipt_url,
        note=note,
    )


@router.post(
    "/voucher-issue",
    summary="Issue vouchers",
    description="Buy 1-100 vouchers of 1-5000 USD each from your balance. The codes are in this response "
    'only (and in the email to the vendor). Requires the "transfer funds" permission.',
    response_model=VoucherIssueResponse,
    responses=errors(400, 401, 402, 403, 422, 429),
    openapi_extra=post_body(VoucherIssueRequest),
    dependencies=[Idempotent],
)
async def issue_vouchers(
    request: Request, session: Session, platform: PlatformDep, caller: ApiKey, values: IssueValues
) -> Response:
    # Idempotency fingerprints hold what the values mean (20 and 20.00 are one amount).
    params = {
        "quantity": str(values.quantity),
        "amount_cents": str(to_minor(values.amount, service.CURRENCY)),
        "currency": values.currency,
    }
    shown: list[Response] = []

    async def create() -> Response:
        issued = await service.issue(session, platform.keys, platform.settings, caller, values.to_service())
        # The codes leave in this response only; what Idempotency-Key stores for a replay
        # is the same body with the codes masked (the database never holds a code).
        shown.append(WireJSON(issue_response(issued, ", ".join(issued.codes), ISSUED_NOTE)))
        masked = ", ".join(service.masked(code[-4:]) for code in issued.codes)
        return WireJSON(issue_response(issued, masked, REPLAY_NOTE))

    replay_or_masked = await idempotent(request, session, caller.scope, params, create)
    return shown[0] if shown else replay_or_masked


# ---------------------------------------------------------------- order


def voucher_view(voucher: Voucher) -> VoucherView:
    return VoucherView(**service.voucher_view(voucher))


async def order_response(session: Session, platform: Platform, caller: Caller, order_id: str) -> Response:
    order = await repository.get_order(session, caller, order_id)
    vouchers = await repository.order_vouchers(session, order)
    return WireJSON(
        VoucherOrderResponse(
            **service.order_summary(order),
            receipt_url=service.receipt_url(platform.settings, platform.keys.pepper, order.order_id),
            voucher_status_counts=VoucherStatusCounts(**service.status_counts(vouchers)),
            vouchers=[voucher_view(v) for v in vouchers],
            note=ORDER_NOTE,
        )
    )


ORDER_SUMMARY = "Look up an order"
ORDER_DESCRIPTION = "An order you issued and each of its vouchers, masked, with its state."


@router.get(
    "/voucher-order",
    summary=ORDER_SUMMARY,
    description=ORDER_DESCRIPTION,
    response_model=VoucherOrderResponse,
    responses=errors(400, 401, 404, 429),
)
async def order_by_query(
    session: Session, platform: PlatformDep, caller: ApiKey, order_id: Annotated[OrderId, Query()]
) -> Response:
    return await order_response(session, platform, caller, order_id)


@router.post(
    "/voucher-order",
    summary=ORDER_SUMMARY,
    description=ORDER_DESCRIPTION,
    response_model=VoucherOrderResponse,
    responses=errors(400, 401, 404, 429),
    openapi_extra=post_body(VoucherOrderRequest),
)
async def order_by_post(session: Session, platform: PlatformDep, caller: ApiKey, values: OrderValues) -> Response:
    return await order_response(session, platform, caller, values.order_id)


# ---------------------------------------------------------------- one voucher


@router.post(
    "/voucher-status",
    summary="Check a voucher",
    description="One voucher by its code, masked. `order_id` is present only for the vendor that issued it.",
    response_model=VoucherStatusResponse,
    responses=errors(400, 401, 404, 429),
    openapi_extra=post_body(VoucherCodeRequest),
)
async def voucher_status(session: Session, platform: PlatformDep, caller: CodeKey, values: CodeValues) -> Response:
    voucher = await service.voucher_by_code(session, platform.keys.pepper, caller, values.voucher_code)
    view = service.voucher_view(voucher)
    mine = voucher.party_id == caller.party_id  # the order is the vendor's business only
    body = VoucherStatusResponse(
        **view,
        order_id=(await repository.order_of(session, voucher)).order_id if mine else None,
        note=f"Voucher is {view['voucher_status']}",
    )
    return WireJSON(body.wire())


@router.post(
    "/voucher-redeem",
    summary="Redeem a voucher",
    description="Credit a voucher's amount to the caller's USD balance, once.",
    response_model=VoucherRedeemResponse,
    responses=errors(400, 401, 404, 409, 422, 429),
    openapi_extra=post_body(VoucherCodeRequest),
    dependencies=[Idempotent],
)
async def redeem_voucher(
    request: Request, session: Session, platform: PlatformDep, caller: CodeKey, values: CodeValues
) -> Response:
    code, pepper = values.voucher_code, platform.keys.pepper
    # Idempotency fingerprints hold the code's keyed hash, never the code.
    params = {"voucher_code": service.hash_code(pepper, code)}

    async def run() -> Response:
        done = await service.redeem(session, pepper, caller, code)
        voucher = done.voucher
        assert voucher.redeemed_at is not None
        amount = service.wire_amount(voucher.amount)
        return WireJSON(
            VoucherRedeemResponse(
                voucher_code=service.masked(voucher.last4),
                currency=voucher.currency,
                amount=amount,
                date_redeemed=seconds(voucher.redeemed_at),
                balance=from_minor(done.balance, service.CURRENCY),
                note=f"Voucher redeemed: {amount} {voucher.currency} was credited to your balance",
            )
        )

    return await idempotent(request, session, caller.scope, params, run)


# ---------------------------------------------------------------- void


@router.post(
    "/voucher-void",
    summary="Void vouchers",
    description="Take back unredeemed vouchers of one of your orders (the named codes, or every active one); "
    'face value returns to your balance. Requires the "transfer funds" permission.',
    response_model=VoucherVoidResponse,
    responses=errors(400, 401, 403, 404, 409, 422, 429),
    openapi_extra=post_body(VoucherVoidRequest),
    dependencies=[Idempotent],
)
async def void_vouchers(
    request: Request, session: Session, platform: PlatformDep, caller: CodeKey, values: VoidValues
) -> Response:
    pepper, codes = platform.keys.pepper, values.voucher_codes
    params = {
        "order_id": values.order_id.upper(),
        "voucher_codes": sorted(service.hash_code(pepper, code) for code in codes or []),
    }

    async def run() -> Response:
        order, voided = await service.void(session, pepper, caller, values.order_id, codes)
        refunded = service.wire_amount(sum(v.amount for v in voided))
        return WireJSON(
            VoucherVoidResponse(
                order_id=order.order_id,
                currency=order.currency,
                quantity=len(voided),
                amount_refunded=refunded,
                vouchers=[voucher_view(v) for v in voided],
                note=f"{len(voided)} voucher(s) voided: {refunded} {order.currency} returned to your balance",
            )
        )

    return await idempotent(request, session, caller.scope, params, run)


# ---------------------------------------------------------------- receipt


@router.get(
    "/receipt",
    summary="Order receipt (HTML)",
    description="The `receipt_url` of an order: an HTML page, no key needed (the token is signed), nothing secret.",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}, **json_errors(400, 404)},
)
async def receipt(session: Session, platform: PlatformDep, token: Annotated[ReceiptToken, Query()]) -> Response:
    order = await service.order_for_receipt(session, platform.keys.pepper, token)
    vouchers = await repository.order_vouchers(session, order)
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


def with_wire_examples(app: FastAPI) -> None:
    """The response models' examples, as written: FastAPI drops null values (and pydantic sorts
    keys) on the way into the OpenAPI document, and a voucher's dates are null until they happen."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            components = generate()["components"]["schemas"]
            for model in WireResponse.__subclasses__():
                if model.wire_examples and model.__name__ in components:
                    components[model.__name__]["examples"] = model.wire_examples
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def build_surface(platform: Platform) -> FastAPI:
    service.FeePolicy.from_settings(platform.settings)  # refuse to start with a malformed fee
    app = surface_app(
        "Peerwallet API (peerx)", platform, render_error, description=DESCRIPTION, error_model=ErrorResponse
    )
    app.include_router(router)
    with_wire_examples(app)
    return app
