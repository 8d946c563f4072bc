"""The v069 routes, as peach-api-ts src/private/peach069 calls them, mounted at /peach/v069 with
the v1 envelope and tokens. Handlers read the wire, call service.py and answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from peerx.core.errors import NotFound
from peerx.platform import Platform
from peerx.products.bitcoin.deps import PeachDep, User
from peerx.products.bitcoin.errors import FormInvalid, invalid_request, render_error
from peerx.products.bitcoin.identity.reputation import profiles
from peerx.products.bitcoin.models import PeachUser
from peerx.products.bitcoin.schemas import OfferId, PeachError, Success, UserId
from peerx.products.bitcoin.v069 import repository, service
from peerx.products.bitcoin.v069.schemas import (
    AcceptBody,
    CanInstantTrade,
    ChatBody,
    CreateBuyOfferBody,
    EncryptedPaymentDataBody,
    IndexBody,
    PremiumBody,
    ToggleBody,
    TradeRequestBody,
)
from peerx.web import PlatformDep, Session, WireJSON, surface_app, wire_router

router = wire_router()
OfferPath = Annotated[OfferId, Path(alias="offerId", description="The offer id (ASCII digits).")]
UserPath = Annotated[UserId, Path(alias="userId", description="The requesting user's id (public key, hex).")]
KIND = {"sellOffer": "ask", "buyOffer": "bid"}
OK = {"success": True}


def build_surface(platform: Platform) -> FastAPI:
    app = surface_app(
        "Peach API v069 (peerx)",
        platform,
        render_error,
        version="0.69",
        description="The Peach app's v069 calls: offers, trade requests, their chat, buy offers, self user.",
        error_model=PeachError,
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> Response:
        return render_error(invalid_request(exc))

    app.include_router(router)
    return app


def _list(value: str | None, name: str) -> list[str]:
    """The app sends arrays as String(array): comma-joined."""
    if value is None:
        return []
    items = [v.strip() for v in value.split(",") if v.strip()]
    if len(items) > 50 or any(len(v) > 80 for v in items):
        raise FormInvalid(name, "must list at most 50 names")
    return items


def _bp(value: Decimal | None, name: str) -> int | None:
    if value is None:
        return None
    if not Decimal(-100) <= value <= Decimal(100):
        raise FormInvalid(name, "must be between -100 and 100")
    return int(value * 100)


# ---------------------------------------------------------------- browsing


@router.get("/sellOffer", summary="Browse sell offers")
async def sell_offers(
    session: Session,
    user: User,
    peach: PeachDep,
    min_amount: Annotated[int | None, Query(alias="minAmountSats", ge=0)] = None,
    max_amount: Annotated[int | None, Query(alias="maxAmountSats", ge=0)] = None,
    max_premium: Annotated[Decimal | None, Query(alias="maxPremium")] = None,
    currencies: Annotated[str | None, Query(max_length=2000)] = None,
    payment_methods: Annotated[str | None, Query(alias="paymentMethods", max_length=4000)] = None,
    sorter: Annotated[str | None, Query(alias="offersSorter", max_length=40)] = None,
) -> Response:
    """Online sell offers whose escrow is funded, the caller's own and blocked users' left out."""
    rows = await repository.online_sell_offers(
        session,
        user,
        min_amount=min_amount,
        max_amount=max_amount,
        max_premium_bp=_bp(max_premium, "maxPremium"),
        currencies=_list(currencies, "currencies"),
        methods=_list(payment_methods, "paymentMethods"),
    )
    rows = [o for o in rows if o.user_id != user.id]
    rows = service.sort_offers(rows, sorter, {})
    views = await service.sell_offer_views(session, peach, user, rows)
    return WireJSON({"stats": service.stats(rows), "offers": views})


@router.get("/buyOffer", summary="Browse buy offers")
async def buy_offers(
    session: Session,
    user: User,
    peach: PeachDep,
    min_amount: Annotated[int | None, Query(alias="minAmountSats", ge=0)] = None,
    max_amount: Annotated[int | None, Query(alias="maxAmountSats", ge=0)] = None,
    min_premium: Annotated[Decimal | None, Query(alias="minPremium")] = None,
    currencies: Annotated[str | None, Query(max_length=2000)] = None,
    payment_methods: Annotated[str | None, Query(alias="paymentMethods", max_length=4000)] = None,
    own_offers: Annotated[bool, Query(alias="ownOffers")] = False,
    sorter: Annotated[str | None, Query(alias="offersSorter", max_length=40)] = None,
) -> Response:
    rows = await repository.online_buy_offers(
        session,
        user,
        min_amount=min_amount,
        max_amount=max_amount,
        min_premium_bp=_bp(min_premium, "minPremium"),
        currencies=_list(currencies, "currencies"),
        methods=_list(payment_methods, "paymentMethods"),
        own=own_offers,
    )
    if not own_offers:
        rows = [o for o in rows if o.user_id != user.id]
    rows = service.sort_offers(rows, sorter, {})
    views = await service.buy_offer_views(session, peach, user, rows)
    return WireJSON({"stats": service.stats(rows), "offers": views})


@router.get("/sellOffer/{offerId}", summary="Get a sell offer")
async def sell_offer(offer_id: OfferPath, session: Session, user: User, peach: PeachDep) -> Response:
    """A listed sell offer, or the caller's own in any state."""
    found = await _offer_for(session, user, offer_id, "ask")
    return WireJSON((await service.sell_offer_views(session, peach, user, [found]))[0])


@router.get("/buyOffer/{offerId}", summary="Get a buy offer")
async def buy_offer(offer_id: OfferPath, session: Session, user: User, peach: PeachDep) -> Response:
    found = await _offer_for(session, user, offer_id, "bid")
    return WireJSON((await service.buy_offer_views(session, peach, user, [found]))[0])


async def _offer_for(session: Session, user: PeachUser, offer_id: int, kind: str) -> Any:
    try:
        return await service.own_offer(session, user, offer_id, kind)
    except NotFound:  # not the caller's: it must be listed
        return await service.listed_offer(session, offer_id, kind)


@router.get("/user/{userId}/offers", summary="A user's open offers")
async def user_offers(user_id: UserPath, session: Session, user: User, peach: PeachDep) -> Response:
    owner = await repository.user_by_public_key(session, user_id)
    rows = [] if owner is None else await repository.open_offers_of(session, owner.id)
    sells = await service.sell_offer_views(session, peach, user, [o for o in rows if o.type == "ask"])
    buys = await service.buy_offer_views(session, peach, user, [o for o in rows if o.type == "bid"])
    return WireJSON({"buyOffers": buys, "sellOffers": sells})


# ---------------------------------------------------------------- buy offers


@router.post("/buyOffer", summary="Create a buy offer")
async def create_buy_offer(session: Session, user: User, peach: PeachDep, body: CreateBuyOfferBody) -> Response:
    # `multi` offers at once; the app reads the first one's id.
    offer = (await service.create_buy_offers(session, peach, user, body))[0]
    terms = await repository.terms_of(session, [offer.id])
    return WireJSON(service.buy_offer_view(offer, terms.get(offer.id), user.public_key))


@router.patch("/buyOffer/{offerId}", summary="Change a buy offer's premium")
async def patch_buy_offer(offer_id: OfferPath, session: Session, user: User, body: PremiumBody) -> Response:
    offer = await service.own_offer(session, user, offer_id, "bid", lock=True)
    await service.patch_premium(session, offer, body.premium)
    terms = await repository.terms_of(session, [offer.id])
    return WireJSON(service.buy_offer_view(offer, terms.get(offer.id), user.public_key))


@router.delete("/buyOffer/{offerId}", summary="Withdraw a buy offer")
async def delete_buy_offer(offer_id: OfferPath, session: Session, user: User) -> Response:
    offer = await service.own_offer(session, user, offer_id, "bid", lock=True)
    await service.delete_buy_offer(session, offer)
    return WireJSON(OK)


# ---------------------------------------------------------------- instant trades on buy offers
# Registered before the routes of both kinds, so these answer for buyOffer (the sell-offer ones
# are service.can_instant_trade / instant_trade).


@router.get("/buyOffer/{offerId}/canPerformInstantTrade", response_model=CanInstantTrade, include_in_schema=False)
async def can_instant_buy(offer_id: OfferPath, session: Session, user: User) -> Response:
    return WireJSON(CanInstantTrade(result=await service.can_instant_trade_on_buy_offer(session, user, offer_id)))


@router.post("/buyOffer/{offerId}/performInstantTrade", include_in_schema=False)
async def instant_buy(
    offer_id: OfferPath, session: Session, user: User, peach: PeachDep, body: TradeRequestBody
) -> Response:
    contract = await service.instant_trade_on_buy_offer(session, peach, user, offer_id, body)
    return WireJSON(await service.contract_answer(session, peach, user, contract))


# ---------------------------------------------------------------- trade requests (both kinds)


for _name in KIND:

    def _routes(name: str) -> None:
        kind = KIND[name]
        base = f"/{name}/{{offerId}}"

        @router.post(f"{base}/tradeRequestPerformed", summary=f"Request a trade ({name})")
        async def perform(
            offer_id: OfferPath, session: Session, user: User, peach: PeachDep, body: TradeRequestBody
        ) -> Response:
            request = await service.perform(session, peach, user, offer_id, kind, body)
            offer = await service.listed_offer(session, offer_id, kind)
            return WireJSON(service.request_wire(request, offer, user.public_key))

        @router.get(f"{base}/tradeRequestPerformed", summary=f"My trade request ({name})")
        @router.get(f"{base}/tradeRequestPerformed/", include_in_schema=False)
        async def get_performed(offer_id: OfferPath, session: Session, user: User) -> Response:
            request = await service.performed(session, user, offer_id, kind)
            offer = await service.own_or_any(session, offer_id)
            return WireJSON(service.request_wire(request, offer, user.public_key))

        @router.delete(f"{base}/tradeRequestPerformed", summary=f"Withdraw my trade request ({name})")
        async def remove_performed(offer_id: OfferPath, session: Session, user: User) -> Response:
            await service.remove_performed(session, user, offer_id, kind)
            return WireJSON(OK)

        @router.get(f"{base}/tradeRequestReceived", summary=f"Trade requests on my offer ({name})")
        @router.get(f"{base}/tradeRequestReceived/", include_in_schema=False)
        async def list_received(offer_id: OfferPath, session: Session, user: User) -> Response:
            offer = await service.own_offer(session, user, offer_id, kind)
            rows = await repository.pending_requests_of_offer(session, offer.id)
            users = await repository.users_by_ids(session, [r.user_id for r in rows])
            return WireJSON([service.request_wire(r, offer, users[r.user_id].public_key) for r in rows])

        @router.get(f"{base}/tradeRequestReceived/{{userId}}", summary=f"A trade request on my offer ({name})")
        async def get_received(offer_id: OfferPath, user_id: UserPath, session: Session, user: User) -> Response:
            offer, requester, request = await service.received(session, user, offer_id, kind, user_id)
            return WireJSON(service.request_wire(request, offer, requester.public_key))

        @router.delete(f"{base}/tradeRequestReceived/{{userId}}", summary=f"Reject a trade request ({name})")
        async def reject(offer_id: OfferPath, user_id: UserPath, session: Session, user: User) -> Response:
            await service.reject(session, user, offer_id, kind, user_id)
            return WireJSON(OK)

        @router.post(f"{base}/tradeRequestReceived/{{userId}}/accept", summary=f"Accept a trade request ({name})")
        async def accept(
            offer_id: OfferPath, user_id: UserPath, session: Session, user: User, peach: PeachDep, body: AcceptBody
        ) -> Response:
            contract = await service.accept(session, peach, user, offer_id, kind, user_id, body)
            return WireJSON(await service.contract_answer(session, peach, user, contract))

        @router.get(f"{base}/tradeRequestPerformed/chat", summary=f"Chat of my trade request ({name})")
        async def performed_chat(offer_id: OfferPath, session: Session, user: User) -> Response:
            request = await service.performed(session, user, offer_id, kind)
            return WireJSON([m.wire() for m in await service.chat(session, request, service.REQUESTER)])

        @router.post(f"{base}/tradeRequestPerformed/chat", summary=f"Write in my trade request's chat ({name})")
        async def performed_send(offer_id: OfferPath, session: Session, user: User, body: ChatBody) -> Response:
            request = await service.performed(session, user, offer_id, kind)
            offer = await service.own_or_any(session, offer_id)
            await service.send(session, request, offer, user.public_key, service.REQUESTER, body)
            return WireJSON(OK)

        @router.get(
            f"{base}/tradeRequestReceived/{{userId}}/chat", summary=f"Chat of a received trade request ({name})"
        )
        async def received_chat(offer_id: OfferPath, user_id: UserPath, session: Session, user: User) -> Response:
            _, _, request = await service.received(session, user, offer_id, kind, user_id)
            return WireJSON([m.wire() for m in await service.chat(session, request, service.OWNER)])

        @router.post(
            f"{base}/tradeRequestReceived/{{userId}}/chat", summary=f"Answer in a trade request's chat ({name})"
        )
        async def received_send(
            offer_id: OfferPath, user_id: UserPath, session: Session, user: User, body: ChatBody
        ) -> Response:
            offer, requester, request = await service.received(session, user, offer_id, kind, user_id)
            await service.send(session, request, offer, requester.public_key, service.OWNER, body)
            return WireJSON(OK)

        @router.get(f"{base}/canPerformInstantTrade", response_model=CanInstantTrade, summary="Instant trade allowed?")
        async def can_instant(offer_id: OfferPath, session: Session, user: User) -> Response:
            return WireJSON(CanInstantTrade(result=await service.can_instant_trade(session, user, offer_id, kind)))

        @router.post(f"{base}/performInstantTrade", summary=f"Instant trade ({name})")
        async def instant(
            offer_id: OfferPath,
            session: Session,
            user: User,
            peach: PeachDep,
            platform: PlatformDep,
            body: TradeRequestBody,
        ) -> Response:
            # The contract at once, as an accepted trade request answers it (peach-api-ts: Contract).
            contract = await service.instant_trade(session, peach, platform, user, offer_id, kind, body)
            return WireJSON(await service.contract_answer(session, peach, user, contract))

        @router.get(f"{base}/hasTurnedToMyContract", summary="Did my trade request become a contract?")
        async def turned(offer_id: OfferPath, session: Session, user: User, peach: PeachDep) -> Response:
            contract = await service.turned_to_contract(session, user, offer_id, kind)
            if contract is None:
                return WireJSON({"success": False})
            return WireJSON(
                {"success": True, "contract": await service.contract_answer(session, peach, user, contract)}
            )

    _routes(_name)


# ---------------------------------------------------------------- self user


@router.get("/selfUser", summary="Self user (v069 settings)")
@router.get("/selfUser/", include_in_schema=False)
async def self_user(session: Session, user: User) -> Response:
    return WireJSON({"user": (await service.self_user(session, user)).wire()})


@router.get("/selfUser/blockedUsers", summary="Users I blocked")
async def blocked_users(session: Session, user: User) -> Response:
    blocked = await repository.blocked_by(session, user.id)
    found = await profiles(session, [u.id for u in blocked])
    return WireJSON({"users": [found[u.id].wire() for u in blocked]})


@router.post("/selfUser/encryptedPaymentData", response_model=Success, summary="Keep my encrypted payment data")
async def encrypted_payment_data(session: Session, user: User, body: EncryptedPaymentDataBody) -> Response:
    service.armored(
        encryptedPaymentData=body.encrypted_payment_data,
        encryptedPaymentDataSignature=body.encrypted_payment_data_signature,
    )
    found = await service.settings(session, user)
    found.encrypted_payment_data = body.encrypted_payment_data
    found.encrypted_payment_data_signature = body.encrypted_payment_data_signature
    return WireJSON(OK)


@router.post("/selfUser/toggleOfferFilterNotification", response_model=Success, summary="Offer alerts on or off")
async def toggle_alerts(session: Session, user: User, body: ToggleBody) -> Response:
    (await service.settings(session, user)).offer_alerts_active = body.active
    return WireJSON(OK)


@router.post("/selfUser/lastAddressUsedIndex", response_model=Success, summary="My wallet's last used address index")
async def last_address_index(session: Session, user: User, body: IndexBody) -> Response:
    (await service.settings(session, user)).last_address_used_index = body.index
    return WireJSON(OK)
