"""The PeerTupeer v1 wire surface: same paths (with .php), fields and envelopes as the document.
Every handler takes typed parameters (schemas.py, deps.py), calls the service, and answers a
response model rendered exactly (WireJSON); nothing else lives here."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request, Response
from fastapi.openapi.models import Example

from peerx.core.money import from_minor
from peerx.core.webhooks import add_endpoint, disable_endpoint
from peerx.platform import Platform
from peerx.products.giftcards import deps, repository, schemas, service
from peerx.products.giftcards.deps import Merchant
from peerx.products.giftcards.errors import render_error
from peerx.products.giftcards.sandbox import test_cards_view
from peerx.web import PlatformDep, Session, WireJSON, idempotent, surface_app, wire_router
from peerx.wire import Id

TITLE = "PeerTupeer API (peerx)"
DESCRIPTION = """\
Submit gift card trades, check rates, manage withdrawals, and receive signed webhook notifications.
Every response is JSON: `{"success": true, ...}`, or `{"success": false, "message": ...}` for an error,
whose message starts with the name of the field at fault.

Authentication: an API key in the `X-API-Key` header (`ptp_live_...`; `ptp_test_...` for the sandbox),
except for the public endpoints (rates.php, sandbox.php). 100 requests per minute per key (per client
address for public endpoints); over the limit answers 429 with `Retry-After`. Every POST accepts an
`Idempotency-Key`.
"""

router = wire_router()
webhooks = APIRouter()

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.ErrorResponse, "description": "Bad input (the message names the field)."},
    429: {
        "model": schemas.ErrorResponse,
        "description": "Over the rate limit.",
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    },
}
KEYED = {
    **ERRORS,
    401: {"model": schemas.ErrorResponse, "description": "Missing or invalid API key."},
}
POSTED = {
    **KEYED,
    413: {"model": schemas.ErrorResponse, "description": "The body is larger than this route takes."},
    422: {"model": schemas.ErrorResponse, "description": "The Idempotency-Key was used for another request."},
}

PageNumber = Annotated[schemas.PageNumber, Query(description="Page, from 1 (default 1).")]
PageSize = Annotated[schemas.PageSize, Query(description="Items per page, 1 to 100 (default 20).")]


def example(value: object) -> dict[str, Example]:
    return {"document": {"summary": "The document's example", "value": value}}


def meta(page: int, per_page: int, total: int) -> schemas.Meta:
    return schemas.Meta(page=page, per_page=per_page, total=total)


# ---------------------------------------------------------------- public


@router.get(
    "/rates.php",
    tags=["Rates"],
    summary="Active exchange rates",
    description="Returns all active exchange rates. No authentication required.",
    response_model=schemas.RatesResponse,
    responses=ERRORS,
    dependencies=[deps.Public],
)
async def rates(session: Session) -> Response:
    found = await repository.active_rates(session)
    return WireJSON(schemas.RatesResponse(data=[schemas.RateOut.model_validate(service.rate_view(r)) for r in found]))


@router.get(
    "/sandbox.php",
    tags=["Sandbox"],
    summary="Test cards",
    description=(
        "The sandbox's magic card numbers: submitted with a `ptp_test_` key, a trade with one of these "
        "card numbers reviews itself a few seconds later. No authentication required."
    ),
    response_model=schemas.SandboxResponse,
    responses=ERRORS,
    dependencies=[deps.Public],
)
async def sandbox(
    action: Annotated[
        schemas.SandboxAction, Query(description="What to show.", openapi_examples=example("test-cards"))
    ],
) -> Response:
    return WireJSON(
        schemas.SandboxResponse(
            data=schemas.SandboxCards.model_validate(
                {
                    "cards": test_cards_view(),
                    "note": "Use these card numbers with a ptp_test_ key; the trade reviews itself.",
                }
            )
        )
    )


# ---------------------------------------------------------------- trades


@router.get(
    "/trades.php",
    tags=["Trades"],
    summary="List trades",
    description="The merchant's trades, newest first.",
    response_model=schemas.TradeListResponse,
    responses=KEYED,
)
async def list_trades(
    session: Session,
    caller: Merchant,
    status: Annotated[schemas.TradeStatus | None, Query(description="Only trades in this status.")] = None,
    page: PageNumber = None,
    per_page: PageSize = None,
) -> Response:
    page, per_page = page or 1, per_page or schemas.DEFAULT_PAGE_SIZE
    trades, total = await repository.trades_of(session, caller, status=status, page=page, per_page=per_page)
    return WireJSON(
        schemas.TradeListResponse(
            data=[schemas.TradeOut.model_validate(service.trade_view(t)) for t in trades],
            meta=meta(page, per_page, total),
        )
    )


@router.post(
    "/trades.php",
    tags=["Trades"],
    summary="Submit a trade",
    description=(
        "Submit gift cards for review (multipart/form-data). The payout is computed at the rate in force "
        "now: gross = card_amount x quantity x rate_per_unit, fee = gross x platform_fee_pct / 100, "
        "net = gross - fee, each rounded half up to the pesewa."
    ),
    response_model=schemas.TradeSubmittedResponse,
    responses=POSTED,
    dependencies=[deps.IdempotencyKey],
    form_limits={"max_files": 3, "max_fields": 20},
)
async def submit_trade(
    request: Request,
    session: Session,
    caller: Merchant,
    platform: PlatformDep,
    form: Annotated[schemas.TradeForm, Form(media_type="multipart/form-data")],
) -> Response:
    submission = await form.submission(max_bytes=platform.settings.max_upload_bytes)
    # The request's identity for Idempotency-Key: its fields and each image's sha256.
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
        return WireJSON(
            schemas.TradeSubmittedResponse(
                message="Trade submitted successfully.",
                data=schemas.TradeSubmittedData.model_validate(service.trade_view(trade)),
            )
        )

    return await idempotent(request, session, caller.scope, params, create)


@router.get(
    "/trade-status.php",
    tags=["Trades"],
    summary="One trade",
    response_model=schemas.TradeStatusResponse,
    responses={**KEYED, 404: {"model": schemas.ErrorResponse, "description": "No such trade for this key."}},
)
async def trade_status(
    session: Session,
    caller: Merchant,
    reference: Annotated[
        schemas.Reference, Query(description="The trade's reference.", openapi_examples=example("PTP1A2B3C4D5E"))
    ],
) -> Response:
    trade = await repository.trade_of(session, caller, reference)
    return WireJSON(schemas.TradeStatusResponse(data=schemas.TradeOut.model_validate(service.trade_view(trade))))


# ---------------------------------------------------------------- wallet and withdrawals


@router.get(
    "/wallet.php",
    tags=["Wallet"],
    summary="GHS balances",
    response_model=schemas.WalletResponse,
    responses=KEYED,
)
async def wallet(session: Session, caller: Merchant) -> Response:
    view = await service.wallet(session, caller)
    cur = service.PAYOUT_CURRENCY
    return WireJSON(
        schemas.WalletResponse(
            data=schemas.WalletOut(
                currency=cur,
                available_balance=from_minor(view.available, cur),
                pending_balance=from_minor(view.pending_trades, cur),
                held_balance=from_minor(view.held, cur),
            )
        )
    )


@router.post(
    "/withdrawals.php",
    tags=["Withdrawals"],
    summary="Withdraw",
    description=(
        "Withdraw GHS to mobile money or a bank. The amount is held at once (refused if the wallet is "
        "short) and paid out in the background: pending -> processing -> completed | failed."
    ),
    response_model=schemas.WithdrawalCreatedResponse,
    responses=POSTED,
    dependencies=[deps.IdempotencyKey],
)
async def create_withdrawal(
    request: Request, session: Session, caller: Merchant, body: schemas.WithdrawalBody
) -> Response:
    async def create() -> Response:
        withdrawal = await service.request_withdrawal(session, caller, body.request())
        return WireJSON(
            schemas.WithdrawalCreatedResponse(
                message="Withdrawal request submitted.",
                data=schemas.WithdrawalOut.model_validate(service.withdrawal_view(withdrawal)),
            )
        )

    return await idempotent(request, session, caller.scope, body.wire(), create)


@router.get(
    "/withdrawals.php",
    tags=["Withdrawals"],
    summary="List withdrawals",
    description="The merchant's withdrawals, newest first.",
    response_model=schemas.WithdrawalListResponse,
    responses=KEYED,
)
async def list_withdrawals(
    session: Session, caller: Merchant, page: PageNumber = None, per_page: PageSize = None
) -> Response:
    page, per_page = page or 1, per_page or schemas.DEFAULT_PAGE_SIZE
    rows, total = await repository.withdrawals_of(session, caller, page=page, per_page=per_page)
    return WireJSON(
        schemas.WithdrawalListResponse(
            data=[schemas.WithdrawalOut.model_validate(service.withdrawal_view(w)) for w in rows],
            meta=meta(page, per_page, total),
        )
    )


# ---------------------------------------------------------------- rate.updated subscriptions


@router.get(
    "/rate-updates.php",
    tags=["Rate updates"],
    summary="List rate.updated subscriptions",
    response_model=schemas.RateSubscriptionListResponse,
    responses=KEYED,
)
async def list_rate_subscriptions(session: Session, caller: Merchant) -> Response:
    rows = await service.rate_subscriptions(session, caller)
    return WireJSON(
        schemas.RateSubscriptionListResponse(
            data=[
                schemas.RateSubscriptionOut(
                    webhook_id=e.id, url=e.url, event="rate.updated", created_at=service.wire_time(e.created_at)
                )
                for e in rows
            ]
        )
    )


@router.post(
    "/rate-updates.php",
    tags=["Rate updates"],
    summary="Subscribe to rate.updated",
    description=(
        "Receive a webhook whenever a rate is created or changed. The secret is shown once: it keys the "
        "X-PeerTupeer-Signature of every delivery."
    ),
    response_model=schemas.RateSubscriptionCreatedResponse,
    responses=POSTED,
    dependencies=[deps.IdempotencyKey],
)
async def subscribe_rates(
    request: Request, session: Session, caller: Merchant, platform: PlatformDep, body: schemas.RateSubscriptionBody
) -> Response:
    async def create() -> Response:
        created = await add_endpoint(
            session,
            platform.keys.cipher,
            party_id=caller.party_id,
            surface=service.SURFACE,
            url=body.url,
            livemode=caller.livemode,
            event_types=["rate.updated"],
        )
        return WireJSON(
            schemas.RateSubscriptionCreatedResponse(
                message="Rate update subscription created.",
                data=schemas.RateSubscriptionCreated(
                    webhook_id=created.endpoint.id, url=body.url, event="rate.updated", secret=created.secret
                ),
            )
        )

    return await idempotent(request, session, caller.scope, body.wire(), create)


@router.delete(
    "/rate-updates.php",
    tags=["Rate updates"],
    summary="Unsubscribe",
    description="Deleting a subscription stops its deliveries at once.",
    response_model=schemas.MessageResponse,
    responses={**KEYED, 404: {"model": schemas.ErrorResponse, "description": "No such subscription for this key."}},
)
async def unsubscribe_rates(
    session: Session,
    caller: Merchant,
    id: Annotated[Id, Query(description="The subscription's webhook_id.", openapi_examples=example(5))],
) -> Response:
    await disable_endpoint(session, await service.rate_subscription(session, caller, id))
    return WireJSON(schemas.MessageResponse(message="Rate update subscription deleted."))


# ---------------------------------------------------------------- webhooks (documentation only)


@webhooks.post(
    "rate.updated",
    summary="rate.updated",
    description=(
        "POSTed to every rate-updates.php subscription when a rate changes. Verify X-PeerTupeer-Signature: "
        "hex HMAC-SHA256 of the raw body keyed with the subscription's secret."
    ),
    responses={
        200: {"description": "Any 2xx acknowledges the delivery."},
        "default": {
            "description": "Anything else (or no answer in time) is retried: 5 s, 5 min, 30 min, 2 h, 5 h, "
            "10 h, 14 h, 20 h, 20 h, then the delivery is dead until an operator replays it."
        },
    },
)
def rate_updated(body: schemas.RateUpdatedEvent) -> None:
    """Never called: documents the webhook in the OpenAPI document."""


def build_surface(platform: Platform) -> FastAPI:
    # trades.php takes up to three images, each at most max_upload_bytes, beside a few fields.
    uploads = 3 * platform.settings.max_upload_bytes + platform.settings.max_form_bytes
    app = surface_app(
        TITLE,
        platform,
        render_error,
        description=DESCRIPTION,
        error_model=schemas.ErrorResponse,
        upload_bytes=uploads,
    )
    app.include_router(router)
    app.webhooks.include_router(webhooks)
    return app
