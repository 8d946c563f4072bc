"""The Peex inbound v3 wire surface: clients/me, clients/request_payment, clients/all_requests,
with the document's headers, field names, examples and status codes. Only the wire: the rules
are in schemas.py (fields), service.py and partners.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Header, Path, Query, Request, Response
from pydantic import BaseModel

from peerx.platform import Platform
from peerx.products.remittances import partners, repository, service
from peerx.products.remittances.deps import PartnerKey, PolicyDep
from peerx.products.remittances.errors import render_error
from peerx.products.remittances.schemas import (
    DEFAULT_PER_PAGE,
    IdempotencyKey,
    Page,
    PartnerInfo,
    PaymentRequestBody,
    PaymentRequestCreated,
    PaymentRequestView,
    PeexError,
    PerPage,
    TrackIdParam,
    TransactionView,
)
from peerx.web import Session, WireJSON, idempotent, surface_app, wire_router

DESCRIPTION = """\
The Peex inbound API, served by peerx: partners send money from a prefunded XAF balance (the
*solde*) to MTN Mobile Money and Orange Money wallets in Cameroon, with AML/CFT data, and receive
every status change at their `callback_url`.

Authenticate with the secret key in the `SECRETKEY` header (`ACCESS-TOKEN` is read only when
`SECRETKEY` is absent). The test key (`peex_test_…`) works in test mode: its own solde, its own
transactions, the sandbox rail. Every POST accepts `Idempotency-Key`.

Every error has the body `{"status", "error", "message", "field"}`: 401 for a missing or wrong
key, 404 for an unknown platform user or track_id, 422 for a field (named in `field`, and first
in `message`), 409 for an Idempotency-Key whose first request is still running.
"""


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    meaning = {
        401: "Not authorized: no secret key, or a wrong one (or a deactivated partner asking for a payment).",
        404: "Not found.",
        409: "The same Idempotency-Key while its first request is still running.",
        422: "A parameter is invalid: `field` names it.",
    }
    return {status: {"model": PeexError, "description": meaning[status]} for status in statuses}


def _rows(rows: list[Any]) -> Response:
    return WireJSON([TransactionView.model_validate(service.transaction_view(tx)).wire() for tx in rows])


# A body without a Content-Type is read as JSON, as it always was here; one that says it is
# something else (text/plain, a form) is refused naming the body.
router = wire_router(prefix="/clients", tags=["clients"], strict_content_type=False)


@router.get(
    "/me",
    operation_id="clients_me",
    response_model=PartnerInfo,
    summary="Retrieve partner information",
    description="Your profile, your solde (available XAF in the key's mode) and the fees applicable for billing.",
    responses=_errors(401),
)
async def me(session: Session, caller: PartnerKey, policy: PolicyDep) -> Response:
    return WireJSON(PartnerInfo.model_validate(await partners.partner_view(session, caller, policy)))


@router.post(
    "/request_payment",
    operation_id="request_payment",
    response_model=PaymentRequestCreated,
    summary="Payment Request",
    description="Request a payment to a peex user by email (a platform user) or mobile_phone (an MTN or Orange "
    "Cameroon wallet). The answer is the transaction, `new` when the payout is queued, or waiting "
    "(`balance_pending`, `mw_balance_pending`, `max_amount`); callbacks tell what follows.",
    responses={
        **_errors(401, 409, 422),
        404: {"model": PeexError, "description": "The given user is not found in peex platform."},
    },
)
async def request_payment(
    payload: PaymentRequestBody,
    request: Request,
    session: Session,
    caller: PartnerKey,
    policy: PolicyDep,
    idempotency_key: Annotated[
        IdempotencyKey | None,
        Header(
            alias="Idempotency-Key",
            description="Sent again with the same body, the first answer is replayed (Idempotent-Replayed: true); "
            "with another body, 422. Keys live 24 hours.",
        ),
    ] = None,
) -> Response:
    parsed = payload.parsed()  # idempotent() reads the key itself; the parameter documents and bounds it

    async def create() -> Response:
        tx = await service.request_payment(session, caller, parsed, policy)
        view = PaymentRequestView.model_validate(service.transaction_view(tx, with_type=False))
        return WireJSON(PaymentRequestCreated(request=view))

    return await idempotent(request, session, caller.scope, payload.identity(), create)


@router.get(
    "/all_requests",
    operation_id="all_requests",
    response_model=list[TransactionView],
    summary="Get all requests of a client",
    description="With `track_id`: your transaction with that track_id, as a one-element array. Without: all your "
    "transactions in the key's mode, newest first, a page at a time.",
    responses={
        **_errors(401),
        404: {"model": PeexError, "description": "There is no transaction for the given track_id."},
        422: {"model": PeexError, "description": "The transaction does not belong to you, or a parameter is invalid."},
    },
)
async def all_requests(
    session: Session,
    caller: PartnerKey,
    track_id: Annotated[TrackIdParam | None, Query(description="The partner's reference.")] = None,
    page: Annotated[Page, Query(description="1-based, without track_id.")] = 1,
    per_page: Annotated[PerPage, Query(description="At most 1000, without track_id.")] = DEFAULT_PER_PAGE,
) -> Response:
    if track_id:
        return _rows(await service.by_track_id(session, caller, track_id))
    return _rows(await repository.list_transactions(session, caller, page=page, per_page=per_page))


@router.get(
    "/all_requests/{track_id}",
    operation_id="all_requests_by_track_id",
    response_model=list[TransactionView],
    summary="Get a request by track_id",
    description="The same answer as `all_requests?track_id=`.",
    responses={
        **_errors(401),
        404: {"model": PeexError, "description": "There is no transaction for the given track_id."},
        422: {"model": PeexError, "description": "The transaction does not belong to you."},
    },
)
async def one_request(
    track_id: Annotated[TrackIdParam, Path(description="The partner's reference.")],
    session: Session,
    caller: PartnerKey,
) -> Response:
    return _rows(await service.by_track_id(session, caller, track_id))


# The callback, documented as an OpenAPI 3.1 webhook (peerx sends it; it is not a route).
CALLBACK: dict[str, Any] = {
    "post": {
        "summary": "A status change, POSTed to your callback_url",
        "description": "Every status a transaction enters (`request.new`, `request.pending`, `request.paid`, ...) "
        "is POSTed to the partner's callback_url: the transaction as all_requests shows it at that moment. "
        "Any 2xx acknowledges it; anything else is retried for about three days, then an operator may replay it.",
        "operationId": "status_callback",
        "parameters": [
            {
                "name": "X-Peex-Signature",
                "in": "header",
                "required": True,
                "description": "`sha256=` and the hex HMAC-SHA256 of the raw body, keyed by the callback secret "
                "(`whsec_…`, the whole string as UTF-8). Compare in constant time.",
                "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
            },
            {
                "name": "webhook-id",
                "in": "header",
                "required": True,
                "description": "The event id, the same on every retry and replay: deduplicate on it.",
                "schema": {"type": "string"},
            },
            {
                "name": "webhook-timestamp",
                "in": "header",
                "required": True,
                "description": "Standard Webhooks: seconds since the epoch.",
                "schema": {"type": "string"},
            },
            {
                "name": "webhook-signature",
                "in": "header",
                "required": True,
                "description": "Standard Webhooks signature (same secret).",
                "schema": {"type": "string"},
            },
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransactionView"}}},
        },
        "responses": {"2XX": {"description": "Acknowledged."}},
    }
}


def build_surface(platform: Platform) -> FastAPI:
    app = surface_app(
        "Peex inbound API (peerx)",
        platform,
        render_error,
        version="3",
        description=DESCRIPTION,
        error_model=PeexError,
    )
    app.include_router(router)
    _complete_openapi(app, (PartnerInfo, PaymentRequestBody, PaymentRequestCreated, TransactionView, PeexError))
    return app


def _complete_openapi(app: FastAPI, models: tuple[type[BaseModel], ...]) -> None:
    """What FastAPI does not write itself: the callback (a webhook, not a route), and the models'
    examples as written (FastAPI drops every null from the document it serves, the examples'
    "payment_proof": null too, leaving examples that break their own schemas)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            for model in models:
                extra = model.model_config.get("json_schema_extra")
                if isinstance(extra, dict) and "examples" in extra:
                    document["components"]["schemas"][model.__name__]["examples"] = extra["examples"]
            document["webhooks"] = {"request.status": CALLBACK}
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
