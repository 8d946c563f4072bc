"""The face-to-face (p2p/) wire surface, single-use listings (online and p2p) and the credit
account: the document's paths, fields and shapes, errors as {"code", "error"}."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.platform import Platform
from peerx.products.escrow import listings, p2p, payouts, queries, routes, schemas, service
from peerx.products.escrow.deps import User, actor, body_of, ok, once
from peerx.products.escrow.jobs import timing
from peerx.products.escrow.models import EscrowP2PTransaction
from peerx.products.escrow.queries import Actor
from peerx.rails.payins import PayinResult
from peerx.web import Session, json_object

P2P = routes.Kind(
    name="p2p",
    prefix="/p2p",
    charge_model="p2p",
    model=EscrowP2PTransaction,
    view=p2p.tx_view,
    parse_new=schemas.new_p2p,
    create=p2p.create_transaction,
    page=schemas.p2p_page,
)


def register(app: FastAPI, platform: Platform) -> None:
    t = timing(platform)
    routes.register(app, P2P)

    # ------------------------------------------------------------ joining

    @app.get("/p2p/me/transactions_by_join_code/{join_code}")
    async def p2p_by_code(join_code: str, session: Session, user: User) -> Response:
        found = await queries.by_join_code(session, EscrowP2PTransaction, actor(user), join_code, lock=False)
        return ok(p2p.tx_view(found))

    # The spec spells the same read without /me.
    app.get("/p2p/transactions_by_join_code/{join_code}")(p2p_by_code)

    @app.post("/p2p/transactions_by_join_code/{join_code}/join")
    async def p2p_join(join_code: str, request: Request, session: Session, user: User) -> Response:
        async def produce() -> Any:
            return p2p.tx_view(await p2p.join(session, actor(user), join_code))

        return await once(request, session, user, {}, produce)

    @app.post("/p2p/transactions_by_join_code/{join_code}/reject")
    async def p2p_reject(join_code: str, request: Request, session: Session, user: User) -> Response:
        async def produce() -> Any:
            return p2p.tx_view(await p2p.reject(session, actor(user), join_code))

        return await once(request, session, user, {}, produce)

    # ------------------------------------------------------------ one transaction

    def step(path: str, fn: routes.Step) -> None:
        routes.step(app, P2P, path, fn)

    def cancel_reason(b: dict[str, Any]) -> str | None:
        return schemas.text(b, "description", max_length=1000)

    step("cancel", lambda s, a, i, b: p2p.cancel(s, a, i, cancel_reason(b)))
    step("cancel_with_description", lambda s, a, i, b: p2p.cancel(s, a, i, cancel_reason(b)))
    step("accept_deposit", lambda s, a, i, b: p2p.accept_deposit(s, a, i))

    async def set_price(s: AsyncSession, a: Actor, i: int, b: dict[str, Any]) -> Any:
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
    step("skip_remainder", lambda s, a, i, b: p2p.skip_remainder(s, a, i))
    step("accept_complaint", lambda s, a, i, b: p2p.accept_complaint(s, a, i))

    def payment(stage: str) -> None:
        async def begin(s: AsyncSession, a: Actor, i: int, b: dict[str, Any]) -> service.PayinPlan:
            token = schemas.text(b, "stripe_charge_token") or schemas.text(b, "stripe_token")
            return await p2p.begin_payin(s, a, i, stage, token)

        async def finish(s: AsyncSession, a: Actor, plan: service.PayinPlan, result: PayinResult) -> Any:
            return await p2p.finish_payin(s, a, plan, result, t)

        routes.payment(app, platform, P2P, f"pay_{stage}", "stripe_charge_token", begin, finish)

    payment("deposit")
    payment("remainder")

    # ------------------------------------------------------------ single-use listings

    for kind, prefix in (("basic", ""), ("p2p", "/p2p")):
        _listing_routes(app, kind, prefix)

    # ------------------------------------------------------------ credit account

    @app.post("/me/credit_account")
    async def credit_account(request: Request, session: Session, user: User) -> Response:
        body = json_object(await request.body())

        async def produce() -> Any:
            return await payouts.set_credit_account(session, platform.keys.cipher, user.user, body)

        return await once(request, session, user, body, produce)


def _listing_routes(app: FastAPI, kind: str, prefix: str) -> None:
    view = listings.listing_view
    ListingStep = Callable[[AsyncSession, Actor, int, dict[str, Any]], Awaitable[Any]]

    def listing_step(path: str, fn: ListingStep) -> None:
        """A POST on one listing: parse the id and body, run the change once per key."""

        async def route(listing_id: str, request: Request, session: Session, user: User) -> Response:
            lid = schemas.path_id(listing_id)
            body = await body_of(request)

            async def produce() -> Any:
                return await fn(session, actor(user), lid, body)

            return await once(request, session, user, body, produce)

        app.post(f"{prefix}/single_use_listings/{{listing_id}}/{path}", name=f"{kind}_listing_{path}")(route)

    @app.post(f"{prefix}/me/single_use_listings", name=f"{kind}_create_listing")
    async def create(request: Request, session: Session, user: User) -> Response:
        body = await body_of(request)

        async def produce() -> Any:
            return view(await listings.create(session, actor(user), kind, body))

        return await once(request, session, user, body, produce)

    @app.get(f"{prefix}/single_use_listings/{{listing_id}}", name=f"{kind}_get_listing")
    async def get(listing_id: str, session: Session, user: User) -> Response:
        return ok(view(await listings.get(session, actor(user), kind, schemas.path_id(listing_id))))

    @app.delete(f"{prefix}/single_use_listings/{{listing_id}}", name=f"{kind}_delete_listing")
    async def delete(listing_id: str, session: Session, user: User) -> Response:
        await listings.delete(session, actor(user), kind, schemas.path_id(listing_id))
        return ok({})

    async def set_description(s: AsyncSession, a: Actor, lid: int, body: dict[str, Any]) -> Any:
        text = schemas.text(body, "listing_description", required=True, max_length=1000)
        return view(await listings.set_description(s, a, kind, lid, text or ""))

    async def set_pricing(s: AsyncSession, a: Actor, lid: int, body: dict[str, Any]) -> Any:
        price, charge, version, currency = schemas.pricing(body)
        return view(
            await listings.set_pricing(s, a, lid, currency=currency, price=price, charge=charge, version=version)
        )

    async def create_transaction(s: AsyncSession, a: Actor, lid: int, body: dict[str, Any]) -> Any:
        return await listings.create_transaction(s, a, kind, lid)

    listing_step("set_description", set_description)
    if kind == "basic":  # the document prices p2p listings only at creation
        listing_step("set_pricing", set_pricing)
    listing_step("create_transaction", create_transaction)
