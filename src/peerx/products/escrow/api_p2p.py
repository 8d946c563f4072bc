"""The face-to-face (p2p/) wire surface, single-use listings (online and p2p) and the credit
account: the document's paths, fields and shapes, errors as {"code", "error"}."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.platform import Platform
from peerx.products.escrow import charges, listings, p2p, payouts, schemas, service
from peerx.products.escrow.api import User, _charge_caller, actor, ok, pay_route, user_idempotent
from peerx.products.escrow.jobs import timing
from peerx.rails.payins import PayinResult
from peerx.web import Session, json_object


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    return json_object(raw) if raw.strip() else {}


def register(app: FastAPI, platform: Platform) -> None:
    t = timing(platform)

    @app.get("/p2p/charge", dependencies=[Depends(_charge_caller)])
    async def p2p_charge(
        session: Session,
        currency: str | None = None,
        price: str | None = None,
        payment_method: str = "card",
        charge_config: str | None = None,
    ) -> Response:
        quote = await charges.quote(
            session, "p2p", currency=currency, price=price, payment_method=payment_method, charge_config=charge_config
        )
        return ok(
            {
                "currency": quote.currency,
                "price": quote.price,
                "charge": quote.charge,
                "charge_seller": quote.charge_seller,
                "charge_buyer_client": 0,
                "charge_seller_client": 0,
                "charge_calculator_version": quote.version,
                "charge_config": charges.CHARGE_CONFIG,
                "payment_method": quote.payment_method,
            }
        )

    # ------------------------------------------------------------ p2p transactions

    @app.get("/p2p/me/transactions")
    async def p2p_list(session: Session, user: User, after_id: str | None = None, limit: str | None = None) -> Response:
        after, size = schemas.p2p_page(after_id, limit)
        rows = await p2p.list_transactions(session, actor(user), after_id=after, limit=size)
        return ok([p2p.tx_view(tx) for tx in rows])

    @app.post("/p2p/me/transactions")
    async def p2p_create(request: Request, session: Session, user: User) -> Response:
        body = json_object(await request.body())
        new = schemas.new_p2p(body)

        async def run() -> Response:
            return ok(p2p.tx_view(await p2p.create_transaction(session, actor(user), new)), 201)

        return await user_idempotent(request, session, user, body, run)

    @app.get("/p2p/me/transactions_by_join_code/{join_code}")
    async def p2p_by_code(join_code: str, session: Session, user: User) -> Response:
        return ok(p2p.tx_view(await p2p.by_join_code(session, actor(user), join_code, lock=False)))

    # The spec spells the same read without /me.
    app.get("/p2p/transactions_by_join_code/{join_code}")(p2p_by_code)

    @app.post("/p2p/transactions_by_join_code/{join_code}/join")
    async def p2p_join(join_code: str, request: Request, session: Session, user: User) -> Response:
        async def run() -> Response:
            return ok(p2p.tx_view(await p2p.join(session, actor(user), join_code)))

        return await user_idempotent(request, session, user, {}, run)

    @app.post("/p2p/transactions_by_join_code/{join_code}/reject")
    async def p2p_reject(join_code: str, request: Request, session: Session, user: User) -> Response:
        async def run() -> Response:
            return ok(p2p.tx_view(await p2p.reject(session, actor(user), join_code)))

        return await user_idempotent(request, session, user, {}, run)

    @app.get("/p2p/transactions/{transaction_id}")
    async def p2p_get(transaction_id: str, session: Session, user: User) -> Response:
        return ok(p2p.tx_view(await p2p.get_transaction(session, actor(user), schemas.path_id(transaction_id))))

    @app.get("/p2p/transactions/{transaction_id}/buyer_details")
    async def p2p_buyer(transaction_id: str, session: Session, user: User) -> Response:
        return ok(await p2p.buyer_details(session, actor(user), schemas.path_id(transaction_id)))

    Step = Callable[[AsyncSession, service.Actor, int, dict[str, Any]], Awaitable[Any]]

    def step(path: str, fn: Step) -> None:
        async def route(transaction_id: str, request: Request, session: Session, user: User) -> Response:
            tx_id = schemas.path_id(transaction_id)
            body = await _body(request)

            async def run() -> Response:
                return ok(p2p.tx_view(await fn(session, actor(user), tx_id, body)))

            return await user_idempotent(request, session, user, body, run)

        app.post(f"/p2p/transactions/{{transaction_id}}/{path}", name=f"p2p_{path}")(route)

    def cancel_reason(b: dict[str, Any]) -> str | None:
        return schemas.text(b, "description", max_length=1000)

    step("cancel", lambda s, a, i, b: p2p.cancel(s, a, i, cancel_reason(b)))
    step("cancel_with_description", lambda s, a, i, b: p2p.cancel(s, a, i, cancel_reason(b)))
    step("accept_deposit", lambda s, a, i, b: p2p.accept_deposit(s, a, i))

    async def set_price(s: AsyncSession, a: service.Actor, i: int, b: dict[str, Any]) -> Any:
        price, charge, version, currency = schemas.pricing(b)
        return await p2p.set_price(s, a, i, currency=currency, price=price, charge=charge, version=version)

    step("set_price", set_price)
    step(
        "complain",
        lambda s, a, i, b: p2p.complain(
            s,
            a,
            i,
            schemas.text(b, "complaint_description", max_length=5000)
            or schemas.text(b, "description", max_length=5000),
        ),
    )
    step("confirm_handover", lambda s, a, i, b: p2p.confirm_handover(s, a, i, t))

    def payment(stage: str) -> None:
        async def begin(s: AsyncSession, a: service.Actor, i: int, b: dict[str, Any]) -> service.PayinPlan:
            token = schemas.text(b, "stripe_charge_token") or schemas.text(b, "stripe_token")
            return await p2p.begin_payin(s, a, i, stage, token)

        async def finish(
            s: AsyncSession, a: service.Actor, plan: service.PayinPlan, result: PayinResult
        ) -> dict[str, Any]:
            return p2p.tx_view(await p2p.finish_payin(s, a, plan, result, t))

        app.post(f"/p2p/transactions/{{transaction_id}}/pay_{stage}", name=f"p2p_pay_{stage}")(
            pay_route(platform, "stripe_charge_token", begin, finish)
        )

    payment("deposit")
    payment("remainder")

    # ------------------------------------------------------------ single-use listings

    for kind, prefix in (("basic", ""), ("p2p", "/p2p")):
        _listing_routes(app, kind, prefix)

    # ------------------------------------------------------------ credit account

    @app.post("/me/credit_account")
    async def credit_account(request: Request, session: Session, user: User) -> Response:
        body = json_object(await request.body())

        async def run() -> Response:
            cipher = platform.keys.cipher
            return ok(await payouts.set_credit_account(session, cipher, user.user, body))

        return await user_idempotent(request, session, user, body, run)


def _listing_routes(app: FastAPI, kind: str, prefix: str) -> None:
    view = listings.listing_view

    @app.post(f"{prefix}/me/single_use_listings", name=f"{kind}_create_listing")
    async def create(request: Request, session: Session, user: User) -> Response:
        body = await _body(request)

        async def run() -> Response:
            return ok(view(await listings.create(session, actor(user), kind, body)))

        return await user_idempotent(request, session, user, body, run)

    @app.get(f"{prefix}/single_use_listings/{{listing_id}}", name=f"{kind}_get_listing")
    async def get(listing_id: str, session: Session, user: User) -> Response:
        return ok(view(await listings.get(session, actor(user), kind, schemas.path_id(listing_id))))

    @app.delete(f"{prefix}/single_use_listings/{{listing_id}}", name=f"{kind}_delete_listing")
    async def delete(listing_id: str, session: Session, user: User) -> Response:
        await listings.delete(session, actor(user), kind, schemas.path_id(listing_id))
        return ok({})

    @app.post(f"{prefix}/single_use_listings/{{listing_id}}/set_description", name=f"{kind}_listing_description")
    async def set_description(listing_id: str, request: Request, session: Session, user: User) -> Response:
        body = await _body(request)
        lid = schemas.path_id(listing_id)

        async def run() -> Response:
            text = schemas.text(body, "listing_description", required=True, max_length=1000)
            return ok(view(await listings.set_description(session, actor(user), kind, lid, text or "")))

        return await user_idempotent(request, session, user, body, run)

    if kind == "basic":

        @app.post("/single_use_listings/{listing_id}/set_pricing", name="basic_listing_pricing")
        async def set_pricing(listing_id: str, request: Request, session: Session, user: User) -> Response:
            body = await _body(request)
            lid = schemas.path_id(listing_id)

            async def run() -> Response:
                price, charge, version, currency = schemas.pricing(body)
                found = await listings.set_pricing(
                    session, actor(user), lid, currency=currency, price=price, charge=charge, version=version
                )
                return ok(view(found))

            return await user_idempotent(request, session, user, body, run)

    @app.post(f"{prefix}/single_use_listings/{{listing_id}}/create_transaction", name=f"{kind}_listing_tx")
    async def create_transaction(listing_id: str, request: Request, session: Session, user: User) -> Response:
        lid = schemas.path_id(listing_id)

        async def run() -> Response:
            return ok(await listings.create_transaction(session, actor(user), kind, lid))

        return await user_idempotent(request, session, user, {}, run)
