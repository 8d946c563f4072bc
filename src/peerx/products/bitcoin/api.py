"""The Peach v1 wire surface: the document's paths, shapes and {"error", "message"} envelope."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse

from peerx.core.db import on_commit, utcnow
from peerx.core.errors import NotFound
from peerx.platform import Platform
from peerx.products.bitcoin import catalogue, escrow, market, offers, referrals, search, users
from peerx.products.bitcoin.context import Peach, peach_of
from peerx.products.bitcoin.errors import render_error
from peerx.products.bitcoin.failures import FormInvalid
from peerx.products.bitcoin.live import SESSION_CHANGED, hub_of
from peerx.products.bitcoin.models import PeachReport, PeachUser
from peerx.products.bitcoin.models_social import PeachReputation
from peerx.products.bitcoin.ratings import ratings_of
from peerx.products.bitcoin.wire import millis, offer_id, text, wire_time
from peerx.web import PlatformDep, Session, WireJSON, idempotent, json_object, platform_of, surface_app

SURFACE = "peach"
TXID = re.compile(r"^[0-9a-fA-F]{64}$")


async def _limit(request: Request, key: str) -> None:
    platform = platform_of(request)
    await platform.limiter.check(platform.settings.peach_rate_limit, SURFACE, key)


async def _public(request: Request) -> None:
    await _limit(request, f"ip:{request.client.host if request.client else 'unknown'}")


async def _user(request: Request, session: Session) -> PeachUser:
    user = await users.user_for_token(session, request.headers.get("authorization"))
    await _limit(request, f"user:{user.id}")
    return user


async def _maybe_user(request: Request, session: Session) -> PeachUser | None:
    if not request.headers.get("authorization"):
        await _public(request)
        return None
    return await _user(request, session)


def _peach(platform: PlatformDep) -> Peach:
    return peach_of(platform)


User = Annotated[PeachUser, Depends(_user)]
MaybeUser = Annotated[PeachUser | None, Depends(_maybe_user)]
PeachDep = Annotated[Peach, Depends(_peach)]
Public = [Depends(_public)]
OK = {"success": True}


def _offer_id(raw: str) -> int:
    parsed = offer_id(raw)
    if parsed is None:
        raise NotFound("Offer not found.")
    return parsed


def build_surface(platform: Platform) -> FastAPI:
    app = surface_app("Peach API (peerx)", platform, render_error)
    add_public_routes(app)
    add_user_routes(app)
    add_offer_routes(app)
    from peerx.products.bitcoin.api_social import add_social_routes  # it builds on this module's deps

    add_social_routes(app)
    from peerx.products.bitcoin.api_contracts import add_contract_routes  # part 2, on this module's deps

    add_contract_routes(app)
    return app


def add_public_routes(app: FastAPI) -> None:
    @app.get("/system/status", dependencies=Public)
    async def status() -> Response:
        return WireJSON({"error": None, "status": "online", "serverTime": millis(utcnow())})

    @app.get("/info", dependencies=Public)
    @app.get("/system/info", dependencies=Public)
    async def info(peach: PeachDep) -> Response:
        s = peach.settings
        return WireJSON(
            {
                "peach": {"pgpPublicKey": s.peach_pgp_public_key},
                "fees": {"escrow": s.peach_escrow_fee},
                "paymentMethods": catalogue.info_view(),
                "minAppVersion": s.peach_min_app_version,
                "latestAppVersion": s.peach_latest_app_version,
            }
        )

    @app.get("/info/paymentMethods", dependencies=Public)
    async def payment_methods() -> Response:
        return WireJSON(catalogue.templates_view())

    @app.get("/market/price/{pair}", dependencies=Public)
    async def price(pair: str, session: Session, peach: PeachDep) -> Response:
        value, date = await market.price(session, pair, peach.prices)
        return WireJSON({"pair": pair.upper(), "price": value, "date": wire_time(date)})

    @app.get("/market/prices", dependencies=Public)
    async def prices(session: Session, peach: PeachDep) -> Response:
        return WireJSON(await offers.price_map(session, peach))

    @app.get("/user/referral", dependencies=Public)
    async def referral(session: Session, code: str = "") -> Response:
        return WireJSON({"valid": bool(code) and await referrals.code_exists(session, code)})

    @app.post("/contact/report")
    async def report(request: Request, session: Session, user: MaybeUser) -> Response:
        body = json_object(await request.body())
        fields = {
            name: text(body, name, max_length=5000 if name == "message" else 320)
            for name in ("email", "topic", "reason", "message")
        }
        if "@" not in (fields["email"] or ""):
            raise FormInvalid("email", "must be an email address")

        async def create() -> Response:
            session.add(PeachReport(**fields, user_id=user.id if user else None, created_at=utcnow()))
            await session.flush()
            return WireJSON(OK)

        scope = f"peach:user:{user.id}" if user else f"peach:ip:{request.client.host if request.client else ''}"
        return await idempotent(request, session, scope, body, create)

    @app.get("/tx/{txid}", dependencies=Public)
    async def get_tx(txid: str, session: Session, peach: PeachDep) -> Response:
        found = await peach.chain.get_tx(session, txid.lower()) if TXID.match(txid) else None
        if found is None:
            raise NotFound("Transaction not found.")
        return WireJSON(found)

    @app.post("/tx", dependencies=Public)
    async def post_tx(request: Request, session: Session, peach: PeachDep) -> Response:
        raw = (await request.body()).decode(errors="replace").strip()
        if raw.startswith("{"):
            raw = text(json_object(raw.encode()), "tx", max_length=200_000) or ""
        if not raw:
            raise FormInvalid("tx", "is required")
        return PlainTextResponse(await peach.chain.broadcast(session, raw))

    @app.get("/estimateFees", dependencies=Public)
    async def estimate_fees(session: Session, peach: PeachDep) -> Response:
        return WireJSON(await peach.chain.fee_estimates(session))

    @app.post("/user/register", dependencies=Public)
    @app.post("/user/register/", dependencies=Public)
    async def register(request: Request, session: Session, peach: PeachDep) -> Response:
        body = json_object(await request.body())
        return WireJSON(await users.authenticate_key(session, peach, body, register=True))

    @app.post("/user/auth", dependencies=Public)
    @app.post("/user/auth/", dependencies=Public)
    async def auth(request: Request, session: Session, peach: PeachDep) -> Response:
        body = json_object(await request.body())
        return WireJSON(await users.authenticate_key(session, peach, body, register=False))


def add_user_routes(app: FastAPI) -> None:
    @app.get("/user/me")
    async def me(session: Session, user: User) -> Response:
        return WireJSON(users.self_view(user, await session.get(PeachReputation, user.id)))

    @app.get("/user/me/paymentMethods")
    async def my_payment_methods(user: User) -> Response:
        return WireJSON({"forbidden": {"buy": [], "sell": []}})

    @app.get("/user/tradingLimit")
    async def trading_limit(session: Session, user: User, peach: PeachDep) -> Response:
        from peerx.products.bitcoin import limits  # part 2: traded amounts count contracts

        return WireJSON(limits.view(peach, await limits.traded(session, user.id)))

    @app.patch("/user")
    async def update(request: Request, session: Session, user: User, peach: PeachDep) -> Response:
        await users.update_user(session, peach, user, json_object(await request.body()))
        return WireJSON(OK)

    @app.patch("/user/batching")
    async def batching(request: Request, session: Session, user: User) -> Response:
        value = json_object(await request.body()).get("enableBatching")
        if not isinstance(value, bool):
            raise FormInvalid("enableBatching", "must be true or false")
        user.batching, user.updated_at = value, utcnow()
        return WireJSON(OK)

    @app.patch("/user/referral/redeem/referralCode")
    async def redeem_code(request: Request, session: Session, user: User) -> Response:
        code = text(json_object(await request.body()), "code", max_length=16)
        assert code is not None
        points = await referrals.redeem_code(session, user, code)
        return WireJSON({"success": True, "bonusPoints": points})

    @app.patch("/user/referral/redeem/freeTrades")
    @app.patch("/user/referral/redeem/fiveFreeTrades")
    async def redeem_trades(session: Session, user: User) -> Response:
        points = await referrals.redeem_free_trades(session, user)
        return WireJSON({"success": True, "bonusPoints": points})

    @app.patch("/user/paymentHash")
    async def unlink_hashes(request: Request, session: Session, user: User) -> Response:
        await users.unlink_payment_hashes(session, user, json_object(await request.body()).get("hashes"))
        return WireJSON(OK)

    @app.patch("/user/logout")
    async def logout(request: Request, session: Session, user: User) -> Response:
        await users.logout(session, user)
        hub = hub_of(platform_of(request))
        on_commit(session, lambda: hub.publish(user.id, SESSION_CHANGED))  # its live sockets close
        return WireJSON(OK)

    @app.get("/user/{user_id}/status")
    async def user_status(user_id: str, session: Session, user: User) -> Response:
        return WireJSON({"isBlocked": await users.is_blocked(session, user, user_id)})

    @app.put("/user/{user_id}/block")
    async def block(user_id: str, session: Session, user: User) -> Response:
        await users.set_block(session, user, user_id, blocked=True)
        return WireJSON(OK)

    @app.delete("/user/{user_id}/block")
    async def unblock(user_id: str, session: Session, user: User) -> Response:
        await users.set_block(session, user, user_id, blocked=False)
        return WireJSON(OK)

    @app.get("/user/{user_id}/ratings", dependencies=Public)
    async def ratings(user_id: str, session: Session) -> Response:
        return WireJSON(await ratings_of(session, await users.find_user(session, user_id)))

    @app.get("/user/{user_id}", dependencies=Public)
    async def public_user(user_id: str, session: Session) -> Response:
        found = await users.find_user(session, user_id)
        return WireJSON(users.public_view(found, await session.get(PeachReputation, found.id)))


def add_offer_routes(app: FastAPI) -> None:
    @app.post("/offer")
    @app.post("/offer/")
    async def post_offer(request: Request, session: Session, user: User, peach: PeachDep) -> Response:
        body = json_object(await request.body())

        async def create() -> Response:
            offer = await offers.create_offer(session, peach, user, body)
            prices = await offers.price_map(session, peach)
            profile = (await offers.profiles_for(session, [offer]))[user.id]
            return WireJSON(offers.offer_view(peach, offer, profile, None, prices))

        return await idempotent(request, session, f"peach:user:{user.id}", body, create)

    @app.post("/offer/search")
    async def search_offers(
        request: Request,
        session: Session,
        user: MaybeUser,
        peach: PeachDep,
        page: str | None = None,
        size: str | None = None,
        sortBy: str | None = None,
    ) -> Response:
        body = json_object(await request.body()) if (await request.body()).strip() else {}
        page_no, page_size, sorts = search.page_params(page, size, sortBy)
        rows, total = await search.search(session, body, user, page=page_no, size=page_size, sorts=sorts)
        profiles = await offers.profiles_for(session, rows)
        escrows = await offers.escrows_for(session, rows)
        prices = await offers.price_map(session, peach)
        return WireJSON(
            {
                "offers": [offers.public_offer_view(o, profiles[o.user_id], escrows.get(o.id), prices) for o in rows],
                "total": total,
                "remaining": max(0, total - (page_no + 1) * page_size),
            }
        )

    @app.get("/offers")
    async def list_offers(session: Session, user: User, peach: PeachDep) -> Response:
        rows = await offers.own_offers(session, user)
        profiles = await offers.profiles_for(session, rows)
        escrows = await offers.escrows_for(session, rows)
        prices = await offers.price_map(session, peach)
        return WireJSON([offers.offer_view(peach, o, profiles[user.id], escrows.get(o.id), prices) for o in rows])

    @app.get("/offers/summary")
    async def offer_summaries(session: Session, user: User, peach: PeachDep) -> Response:
        rows = await offers.own_offers(session, user)
        escrows = await offers.escrows_for(session, rows)
        prices = await offers.price_map(session, peach)
        return WireJSON([offers.summary_view(o, escrows.get(o.id), prices) for o in rows])

    @app.get("/offer/{offer_id}")
    async def get_offer(offer_id: str, session: Session, user: MaybeUser, peach: PeachDep) -> Response:
        offer = await offers.public_offer(session, _offer_id(offer_id))
        profile = (await offers.profiles_for(session, [offer]))[offer.user_id]
        escrows = await offers.escrows_for(session, [offer])
        return WireJSON(
            offers.public_offer_view(offer, profile, escrows.get(offer.id), await offers.price_map(session, peach))
        )

    @app.get("/offer/{offer_id}/details")
    async def offer_details(offer_id: str, session: Session, user: User, peach: PeachDep) -> Response:
        offer = await offers.own_offer(session, user, _offer_id(offer_id))
        profile = (await offers.profiles_for(session, [offer]))[user.id]
        escrows = await offers.escrows_for(session, [offer])
        prices = await offers.price_map(session, peach)
        return WireJSON(offers.offer_view(peach, offer, profile, escrows.get(offer.id), prices))

    @app.patch("/offer/{offer_id}")
    async def patch_offer(offer_id: str, request: Request, session: Session, user: User) -> Response:
        body = json_object(await request.body())
        offer = await offers.own_offer(session, user, _offer_id(offer_id), lock=True)
        await offers.update_offer(session, offer, body)
        return WireJSON(OK)

    @app.post("/offer/{offer_id}/cancel")
    async def cancel(offer_id: str, request: Request, session: Session, user: User, peach: PeachDep) -> Response:
        async def run() -> Response:
            offer = await offers.own_offer(session, user, _offer_id(offer_id), lock=True)
            if offer.type == "bid":
                await offers.cancel_buy_offer(session, offer)
                return WireJSON(OK)
            return WireJSON(await escrow.cancel_sell_offer(session, peach, user, offer))

        return await idempotent(request, session, f"peach:user:{user.id}", {}, run)

    @app.get("/offer/{offer_id}/refundPSBT")
    async def get_refund_psbt(offer_id: str, session: Session, user: User) -> Response:
        offer = await offers.own_offer(session, user, _offer_id(offer_id))
        return WireJSON(await escrow.refund_psbt(session, offer))

    @app.post("/offer/{offer_id}/refund")
    async def refund(offer_id: str, request: Request, session: Session, user: User, peach: PeachDep) -> Response:
        body = json_object(await request.body())

        async def run() -> Response:
            offer = await offers.own_offer(session, user, _offer_id(offer_id), lock=True)
            txid = await escrow.refund(session, peach, offer, body)
            return WireJSON({"success": True, "txId": txid})

        return await idempotent(request, session, f"peach:user:{user.id}", body, run)

    @app.post("/offer/{offer_id}/revive")
    async def revive(offer_id: str, request: Request, session: Session, user: User) -> Response:
        async def run() -> Response:
            offer = await offers.own_offer(session, user, _offer_id(offer_id), lock=True)
            revived = await escrow.revive(session, offer)
            return WireJSON({"newOfferId": str(revived.id)})

        return await idempotent(request, session, f"peach:user:{user.id}", {}, run)

    @app.post("/offer/{offer_id}/escrow")
    async def create_escrow(offer_id: str, request: Request, session: Session, user: User, peach: PeachDep) -> Response:
        body = json_object(await request.body())
        offer = await offers.own_offer(session, user, _offer_id(offer_id), lock=True)
        created = await escrow.create_escrow(session, peach, offer, body)
        return WireJSON(
            {
                "escrow": created.address,
                "funding": {"confirmations": created.confirmations, "status": created.funding_status},
                "offerId": str(offer.id),
            }
        )

    @app.get("/offer/{offer_id}/escrow")
    async def funding_status(offer_id: str, session: Session, user: User) -> Response:
        offer = await offers.own_offer(session, user, _offer_id(offer_id))
        return WireJSON(escrow.escrow_view(offer, await escrow.escrow_of(session, offer)))

    @app.post("/offer/{offer_id}/escrow/confirm")
    async def confirm_escrow(offer_id: str, session: Session, user: User, peach: PeachDep) -> Response:
        offer = await offers.own_offer(session, user, _offer_id(offer_id), lock=True)
        await escrow.confirm_wrong_amount(session, peach, offer)
        return WireJSON(OK)
