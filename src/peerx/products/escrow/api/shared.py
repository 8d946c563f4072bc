"""What the Trustap routes share: the views they answer (checked against the wire models), the
charge quote, the list parameters, and a card payment in three units of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.idempotency import fingerprint, reserve
from peerx.platform import Platform
from peerx.products.escrow import charges, online, p2p, repository
from peerx.products.escrow.deps import API_SCOPE, actor, remember_shape, token_user, user_scope
from peerx.products.escrow.kernel import PayinPlan
from peerx.products.escrow.models import EscrowP2PTransaction, EscrowTransaction
from peerx.products.escrow.repository import Actor
from peerx.products.escrow.schemas import (
    BasicTransaction,
    Charge,
    CurrencyQuery,
    JoinCode,
    Limit,
    P2PCharge,
    P2PLimit,
    P2PTransaction,
    PathId,
    PaymentMethodQuery,
    QueryConfig,
    QueryId,
    QueryPrice,
    WireRequest,
)
from peerx.products.escrow.tasks import payin_rail
from peerx.rails.payins import PayinRail, PayinResult, PayinUnavailable
from peerx.web import WireJSON, idempotent

# ---------------------------------------------------------------- views and request meanings


def basic_view(tx: EscrowTransaction) -> dict[str, Any]:
    return BasicTransaction.of(online.tx_view(tx))


def p2p_view(tx: EscrowP2PTransaction) -> dict[str, Any]:
    return P2PTransaction.of(p2p.tx_view(tx))


def meaning(body: WireRequest | None) -> dict[str, Any]:
    """What a request with an optional body says, for its Idempotency-Key fingerprint."""
    return {} if body is None else body.meaning()


# ---------------------------------------------------------------- the charge quote


CurrencyParam = Annotated[CurrencyQuery, Query(description="The currency that the `price` is specified in.")]
PriceParam = Annotated[QueryPrice, Query()]
PaymentMethodParam = Annotated[
    PaymentMethodQuery,
    Query(description="The payment method that will be used to pay for the transaction; only `card` here."),
]
ChargeConfigParam = Annotated[QueryConfig | None, Query()]
QUOTE_CODES = (  # what `quote` can refuse, as /charge and /p2p/charge document it
    "currency_missing",
    "invalid_price",
    "negative_price",
    "price_too_low",
    "unsupported_currency",
    "invalid_charge_config",
    "unsupported_combination",
)


async def quote(
    session: AsyncSession, model: str, currency: str, price: int, payment_method: str, charge_config: int | None
) -> dict[str, Any]:
    """GET /charge and /p2p/charge: the current calculator version's fees for `price`."""
    found = await charges.quote(
        session, model, currency=currency, price=price, payment_method=payment_method, charge_config=charge_config
    )
    view: dict[str, Any] = {
        "currency": found.currency,
        "price": found.price,
        "charge": found.charge,
        "charge_seller": found.charge_seller,
        "charge_buyer_client": 0,
        "charge_seller_client": 0,
    }
    if model == "online":
        view |= {"charge_postage_buyer": 0, "charge_postage_client": 0}
    view |= {
        "charge_calculator_version": found.version,
        "charge_config": charges.CHARGE_CONFIG,
        "payment_method": found.payment_method,
    }
    return (Charge if model == "online" else P2PCharge).of(view)


# ---------------------------------------------------------------- lists


BeforeId = Annotated[
    QueryId | None,
    Query(description="Only return the page just before the item with this ID (larger IDs), newest first."),
]
AfterId = Annotated[
    QueryId | None,
    Query(
        description="Only return items that were created chronologically after the item with this ID "
        "(i.e. with smaller IDs)."
    ),
]


def page(
    before_id: BeforeId = None, after_id: AfterId = None, limit: Annotated[Limit, Query()] = 25
) -> repository.Page:
    """The spec's list parameters: before_id, after_id >= 0, limit 1..50 (default 25)."""
    return repository.Page(before_id, after_id, limit)


def p2p_page(
    before_id: BeforeId = None, after_id: AfterId = None, limit: Annotated[P2PLimit, Query()] = 25
) -> repository.Page:
    """As `page`; a limit above 50 is the spec's `excessive_limit`."""
    return repository.Page(before_id, after_id, limit)


Paging = Annotated[repository.Page, Depends(page)]
P2PPaging = Annotated[repository.Page, Depends(p2p_page)]

# ---------------------------------------------------------------- path parameters

TransactionId = Annotated[PathId, Path(description="The transaction's id.", examples=[1])]
JoinCodePath = Annotated[JoinCode, Path(description="The join code the transaction's creator shared.")]


# ---------------------------------------------------------------- card payments

# What charging the card can answer, as the pay routes document it (after their own codes).
CARD_CODES = (
    "payment_in_progress",
    "payment_pending",
    "card_declined",
    "expired_card",
    "invalid_token",
    "payments_unavailable",
)
Begin = Callable[[AsyncSession, Actor], Awaitable[PayinPlan]]
Finish = Callable[[AsyncSession, Actor, PayinPlan, PayinResult], Awaitable[dict[str, Any]]]


def _rail(platform: Platform, livemode: bool, field: str) -> PayinRail:
    rail = payin_rail(platform, livemode)
    if rail is None:
        raise charges.code_error(field, "live card payments are not configured", "payments_unavailable")
    return rail


async def card_payment(
    request: Request,
    platform: Platform,
    token: str | None,
    params: object,
    token_field: str,
    begin: Begin,
    finish: Finish,
) -> Response:
    """A card payment in three units of work, so no network call happens inside a database
    transaction: (1) authenticate, check and mark the payment in flight; (2) charge the card with
    no transaction open, under a key derived from our ids (a retry never charges twice); (3) lock
    again and record the outcome. Idempotency-Key: a stored response is replayed in (1); the
    response is stored in (3) with the effects; a declined card stores nothing."""
    key = request.headers.get("idempotency-key")
    async with platform.db.transaction() as session:
        user = remember_shape(request, await token_user(session, token, [API_SCOPE]))
        scope = user_scope(user)
        print_ = fingerprint(request.method, request.url.path, params, key=platform.keys.pepper)
        if key is not None:
            savepoint = await session.begin_nested()
            try:
                stored = await reserve(session, scope=scope, key=key, request_fingerprint=print_)
            finally:
                await savepoint.rollback()  # look only: the key is taken in step 3
            if stored is not None:
                return Response(
                    stored.body,
                    stored.status_code,
                    media_type=stored.content_type,
                    headers={"Idempotent-Replayed": "true"},
                )
        who = actor(user)
        rail = _rail(platform, who.livemode, token_field)
        plan = await begin(session, who)
    try:
        result = await rail.charge(
            token=plan.token, amount=plan.amount, currency=plan.currency, reference=plan.reference
        )
    except PayinUnavailable as exc:  # outcome unknown: the mark stays; a retry asks again
        raise charges.code_error(token_field, str(exc) or "the card network did not answer", "payment_pending") from exc
    async with platform.db.transaction() as session:
        body = await finish(session, who, plan, result)
        if result.succeeded:

            async def answer() -> Response:
                return WireJSON(body)

            # The key is taken here, with the effects (a retry racing this one was refused in (1)
            # with payment_in_progress), as peerx.web.idempotent takes it for every other change.
            return await idempotent(request, session, scope, params, answer)
    raise charges.code_error(
        token_field, result.failure_message or "was declined", result.failure_code or "card_declined"
    )
