"""The routes online (basic) and face-to-face (p2p) transactions have in common, built once per
kind: the charge quote, listing, creating and reading transactions, a step on one transaction,
and a card payment in three units of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.idempotency import StoredResponse, complete, fingerprint, reserve
from peerx.platform import Platform
from peerx.products.escrow import charges, queries, schemas, service
from peerx.products.escrow.deps import User, actor, bearer_user, body_of, charge_caller, ok, once, user_scope
from peerx.products.escrow.jobs import payin_rail
from peerx.products.escrow.models import EscrowP2PTransaction, EscrowTransaction
from peerx.products.escrow.queries import Actor
from peerx.rails.payins import PayinRail, PayinResult, PayinUnavailable
from peerx.web import Session, json_object

Step = Callable[[AsyncSession, Actor, int, dict[str, Any]], Awaitable[Any]]
Begin = Callable[[AsyncSession, Actor, int, dict[str, Any]], Awaitable[service.PayinPlan]]
Finish = Callable[[AsyncSession, Actor, service.PayinPlan, PayinResult], Awaitable[Any]]


@dataclass(frozen=True)
class Kind:
    name: str  # basic | p2p
    prefix: str  # "" | "/p2p"
    charge_model: str  # the calculator's model: online | p2p
    model: type[EscrowTransaction] | type[EscrowP2PTransaction]
    view: Callable[[Any], dict[str, Any]]
    parse_new: Callable[[dict[str, Any]], Any]  # the create body, checked before any write
    create: Callable[[AsyncSession, Actor, Any], Awaitable[Any]]
    charge_extra: tuple[str, ...] = ()  # basic.Charge's postage parts, always 0 here
    page: Callable[[str | None, str | None, str | None], queries.Page] = schemas.page


def register(app: FastAPI, kind: Kind) -> None:
    prefix = kind.prefix

    @app.get(f"{prefix}/charge", dependencies=[Depends(charge_caller)], name=f"{kind.name}_charge")
    async def charge(
        session: Session,
        currency: str | None = None,
        price: str | None = None,
        payment_method: str = "card",
        charge_config: str | None = None,
    ) -> Response:
        quote = await charges.quote(
            session,
            kind.charge_model,
            currency=currency,
            price=price,
            payment_method=payment_method,
            charge_config=charge_config,
        )
        return ok(
            {
                "currency": quote.currency,
                "price": quote.price,
                "charge": quote.charge,
                "charge_seller": quote.charge_seller,
                "charge_buyer_client": 0,
                "charge_seller_client": 0,
                **dict.fromkeys(kind.charge_extra, 0),
                "charge_calculator_version": quote.version,
                "charge_config": charges.CHARGE_CONFIG,
                "payment_method": quote.payment_method,
            }
        )

    @app.get(f"{prefix}/me/transactions", name=f"{kind.name}_list")
    async def listing(session: Session, user: User, page: queries.Page = Depends(kind.page)) -> Response:
        rows = await queries.list_transactions(session, kind.model, actor(user), page)  # type: ignore[type-var]
        return ok([kind.view(tx) for tx in rows])

    @app.post(f"{prefix}/me/transactions", name=f"{kind.name}_create")
    async def create(request: Request, session: Session, user: User) -> Response:
        body = json_object(await request.body())
        new = kind.parse_new(body)

        async def produce() -> Any:
            return kind.view(await kind.create(session, actor(user), new))

        return await once(request, session, user, body, produce, 201)

    @app.get(f"{prefix}/transactions/{{transaction_id}}", name=f"{kind.name}_get")
    async def get(transaction_id: str, session: Session, user: User) -> Response:
        tx_id = schemas.path_id(transaction_id)
        tx = await queries.load(session, kind.model, actor(user), tx_id, lock=False)  # type: ignore[type-var]
        return ok(kind.view(tx))

    for role in ("buyer", "seller"):
        details(app, kind, role)


def details(app: FastAPI, kind: Kind, role: str) -> None:
    @app.get(f"{kind.prefix}/transactions/{{transaction_id}}/{role}_details", name=f"{kind.name}_{role}_details")
    async def party(transaction_id: str, session: Session, user: User) -> Response:
        tx_id = schemas.path_id(transaction_id)
        tx = await queries.load(session, kind.model, actor(user), tx_id, lock=False)  # type: ignore[type-var]
        return ok(await service.party_details(session, tx, role))


def step(app: FastAPI, kind: Kind, path: str, fn: Step) -> None:
    """A POST on one transaction: parse the id and body, run the step once per key."""

    async def route(transaction_id: str, request: Request, session: Session, user: User) -> Response:
        tx_id = schemas.path_id(transaction_id)
        body = await body_of(request)

        async def produce() -> Any:
            return kind.view(await fn(session, actor(user), tx_id, body))

        return await once(request, session, user, body, produce)

    app.post(f"{kind.prefix}/transactions/{{transaction_id}}/{path}", name=f"{kind.name}_{path}")(route)


def _rail(platform: Platform, livemode: bool, field: str) -> PayinRail:
    rail = payin_rail(platform, livemode)
    if rail is None:
        raise charges.code_error(field, "live card payments are not configured", "payments_unavailable")
    return rail


def payment(
    app: FastAPI, platform: Platform, kind: Kind, path: str, token_field: str, begin: Begin, finish: Finish
) -> None:
    """A card payment in three units of work, so no network call happens inside a database
    transaction: (1) authenticate, check and mark the payment in flight; (2) charge the card with
    no transaction open, under a key derived from our ids (a retry never charges twice); (3) lock
    again and record the outcome. Idempotency-Key: a stored response is replayed in (1); the
    response is stored in (3) with the effects; a declined card stores nothing."""

    async def route(transaction_id: str, request: Request) -> Response:
        tx_id = schemas.path_id(transaction_id)
        body = await body_of(request)
        key = request.headers.get("idempotency-key")
        async with platform.db.transaction() as session:
            user = await bearer_user(request, session)
            scope = user_scope(user)
            print_ = fingerprint(request.method, request.url.path, body, key=platform.keys.pepper)
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
            plan = await begin(session, who, tx_id, body)
        try:
            result = await rail.charge(
                token=plan.token, amount=plan.amount, currency=plan.currency, reference=plan.reference
            )
        except PayinUnavailable as exc:  # outcome unknown: the mark stays; a retry asks again
            raise charges.code_error(
                token_field, str(exc) or "the card network did not answer", "payment_pending"
            ) from exc
        async with platform.db.transaction() as session:
            tx = await finish(session, who, plan, result)
            if result.succeeded:
                response = ok(kind.view(tx))
                if key is not None:
                    await reserve(session, scope=scope, key=key, request_fingerprint=print_)
                    await complete(
                        session,
                        scope=scope,
                        key=key,
                        response=StoredResponse(200, bytes(response.body).decode(), "application/json"),
                    )
                return response
        raise charges.code_error(
            token_field, result.failure_message or "was declined", result.failure_code or "card_declined"
        )

    app.post(f"{kind.prefix}/transactions/{{transaction_id}}/{path}", name=f"{kind.name}_{path}")(route)
