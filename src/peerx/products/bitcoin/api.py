"""The Peach v1 wire surface: the document's paths, typed requests and answers (schemas.py), and
its {"error", "message"} envelope. This module holds the system, market, user and offer routes
and builds the surface; contracts/api.py (matches, contracts) and social/api.py (chat, ratings,
the event socket) hold the rest. Rules live in the service modules; handlers only read the wire,
call them and answer."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Body, Depends, FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from pydantic import ValidationError

from peerx.chain.errors import ChainUnavailable
from peerx.core.db import on_commit, utcnow
from peerx.core.errors import InvalidField, NotFound
from peerx.platform import Platform
from peerx.products.bitcoin.contracts import multisig
from peerx.products.bitcoin.contracts.api import router as contracts_router
from peerx.products.bitcoin.deps import (
    OPTIONAL_TOKEN,
    IdempotencyKey,
    MaybeUser,
    PeachDep,
    Public,
    TokenKey,
    User,
    client_ip,
    fingerprint,
    parse_body,
    user_scope,
)
from peerx.products.bitcoin.errors import invalid_request, render_error
from peerx.products.bitcoin.identity import referrals, reputation, users
from peerx.products.bitcoin.identity.schemas import (
    AccessToken,
    AuthRequest,
    BatchingRequest,
    ForbiddenMethods,
    PublicUser,
    Rating,
    RedeemCodeRequest,
    Redeemed,
    SelfUser,
    TradingLimit,
    UnlinkHashesRequest,
    UpdateUserRequest,
    UserPaymentMethods,
    UserStatus,
)
from peerx.products.bitcoin.market import catalogue
from peerx.products.bitcoin.market import prices as market
from peerx.products.bitcoin.offers import instant, limits, search
from peerx.products.bitcoin.offers import service as offers
from peerx.products.bitcoin.offers.schemas import (
    BuyOfferRequest,
    EscrowCreated,
    EscrowRequest,
    FundingStatus,
    Offer,
    OfferSummary,
    PublicOffer,
    Refunded,
    RefundPsbt,
    RefundRequest,
    Revived,
    SearchRequest,
    SearchResult,
    SellOfferRequest,
    ShortFunding,
    UpdateOfferRequest,
)
from peerx.products.bitcoin.schemas import (
    OK,
    FeeEstimates,
    Fees,
    Info,
    MarketPrice,
    MarketPrices,
    MethodInfo,
    MethodTemplate,
    MethodTemplates,
    OfferId,
    PageNumber,
    PageSize,
    Pair,
    PeachError,
    PlatformKey,
    PostTxRequest,
    ReferralCheck,
    ReferralCode,
    ReportRequest,
    SortBy,
    Success,
    SystemStatus,
    Transaction,
    TxId,
    UserId,
)
from peerx.products.bitcoin.social import platform_key
from peerx.products.bitcoin.social.api import router as social_router
from peerx.products.bitcoin.social.ratings import ratings_of
from peerx.products.bitcoin.socket_hub import SESSION_CHANGED, hub_of
from peerx.products.bitcoin.wire import millis, wire_time
from peerx.web import Session, WireJSON, idempotent, parse_json, platform_of, surface_app, wire_router

DESCRIPTION = """The Peach Bitcoin v1 API, served by peerx: market data, offers, the 2-of-2 escrow,
matches, contracts, chat, disputes and ratings. Private operations take the access token from
`user/register` or `user/auth` as `Authorization: Bearer <token>`. Every error is
`{"error": CODE, "message": ...}` with the document's codes; a request that does not fit its
model is `FORM_INVALID` naming the field (`BAD_REQUEST` when the body is not a JSON object).
Amounts are sats as JSON integers; prices and premiums are decimals."""

router = wire_router()
# A chat message posted as the document's multipart form: two armored PGP blocks of up to
# 100,000 characters each (up to 4 UTF-8 bytes per character) fit; urlencoded forms keep the
# platform's form limit.
CHAT_FORM_BYTES = 1024 * 1024

OfferPath = Annotated[OfferId, Path(alias="offerId", description="The offer id (ASCII digits).")]
UserPath = Annotated[UserId, Path(alias="userId", description="The user id: its public key, hex.")]


def build_surface(platform: Platform) -> FastAPI:
    app = surface_app(
        "Peach API (peerx)",
        platform,
        render_error,
        description=DESCRIPTION,
        error_model=PeachError,
        upload_bytes=CHAT_FORM_BYTES,
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> Response:
        return render_error(invalid_request(exc))

    app.include_router(router)
    app.include_router(contracts_router)
    app.include_router(social_router)
    return app


# ---------------------------------------------------------------- system and market


@router.get("/system/status", dependencies=Public, response_model=SystemStatus, summary="System status")
async def status() -> Response:
    return WireJSON(SystemStatus(error=None, status="online", server_time=millis(utcnow())))


@router.get("/info", dependencies=Public, response_model=Info, summary="Info")
@router.get("/system/info", dependencies=Public, response_model=Info, summary="Info")
async def info(peach: PeachDep, request: Request) -> Response:
    """The platform's PGP key (disputes encrypt the chat key to it), fees, payment methods, app versions."""
    s = peach.settings
    return WireJSON(
        Info(
            peach=PlatformKey(pgp_public_key=await platform_key.public_key(platform_of(request))),
            fees=Fees(escrow=s.peach_escrow_fee),
            payment_methods=[
                MethodInfo(id=m.id, currencies=list(m.currencies), anonymous=m.anonymous)
                for m in catalogue.METHODS.values()
            ],
            min_app_version=s.peach_min_app_version,
            latest_app_version=s.peach_latest_app_version,
        )
    )


@router.get("/info/paymentMethods", dependencies=Public, response_model=MethodTemplates, summary="Payment method info")
async def payment_methods() -> Response:
    """Each method's field templates: `mandatory` requirements (each a list of alternatives)."""
    return WireJSON(
        MethodTemplates({m.id: MethodTemplate.model_validate(m.template()) for m in catalogue.METHODS.values()})
    )


@router.get("/market/price/{pair}", dependencies=Public, response_model=MarketPrice, summary="Market price")
async def price(
    pair: Annotated[Pair, Path(description="BTC and a currency, e.g. BTCEUR")], session: Session, peach: PeachDep
) -> Response:
    value, date = await market.price(session, pair, peach.prices)
    return WireJSON(MarketPrice(pair=pair.upper(), price=value, date=wire_time(date)))


@router.get("/market/prices", dependencies=Public, response_model=MarketPrices, summary="Market prices")
async def prices(session: Session, peach: PeachDep) -> Response:
    return WireJSON(MarketPrices(await offers.price_map(session, peach)))


@router.get("/user/referral", dependencies=Public, response_model=ReferralCheck, summary="Referral code")
async def referral(
    session: Session, code: Annotated[ReferralCode, Query(description="The referral code to check")] = ""
) -> Response:
    return WireJSON(ReferralCheck(valid=bool(code) and await referrals.code_exists(session, code)))


@router.post("/contact/report", response_model=Success, summary="Report", openapi_extra=OPTIONAL_TOKEN)
async def report(
    request: Request, session: Session, user: MaybeUser, body: ReportRequest, _key: IdempotencyKey = None
) -> Response:
    """A message to customer support (with or without an access token)."""

    async def create() -> Response:
        await users.report(session, user, body)
        return WireJSON(OK)

    scope = user_scope(user) if user else f"peach:ip:{client_ip(request)}"
    return await idempotent(request, session, scope, fingerprint(body), create)


@router.get("/tx/{txId}", dependencies=Public, response_model=Transaction, summary="Get transaction")
async def get_tx(tx_id: Annotated[TxId, Path(alias="txId")], session: Session, peach: PeachDep) -> Response:
    """The transaction in Esplora's JSON shape (checked against it; served as the backend gave it)."""
    found = await peach.chain.get_tx(session, tx_id.lower())
    if found is None:
        raise NotFound("Transaction not found.")
    try:
        Transaction.model_validate(found)
    except ValidationError:
        raise ChainUnavailable("The chain backend answered a transaction in an unknown shape.") from None
    return WireJSON(found)


async def posted_tx(request: Request) -> PostTxRequest:
    """POST tx's body: the hex itself (the document's `curl -d`), or JSON {"tx": hex}."""
    raw = await request.body()
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind == "application/json" or raw.lstrip().startswith(b"{"):
        try:
            data = parse_json(raw)
        except json.JSONDecodeError as exc:
            raise InvalidField("body", exc.msg) from None
    else:
        data = {"tx": raw.decode(errors="replace")}
    return parse_body(PostTxRequest, data)


_TX_SCHEMA = PostTxRequest.model_json_schema()
# The route answers text: its errors are still JSON in the envelope.
ERROR_JSON = {
    "description": "An error, in this API's envelope.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PeachError"}}},
}
_TXID_TEXT = {"text/plain": {"schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}


@router.post(
    "/tx",
    dependencies=Public,
    response_class=PlainTextResponse,
    summary="Post transaction",
    responses={200: {"description": "The txid", "content": _TXID_TEXT}, "default": ERROR_JSON},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/plain": {"schema": {"type": "string", "pattern": "^[0-9a-fA-F]+$", "maxLength": 200_000}},
                "application/json": {"schema": _TX_SCHEMA},
            },
        }
    },
)
async def post_tx(session: Session, peach: PeachDep, body: Annotated[PostTxRequest, Depends(posted_tx)]) -> Response:
    """Broadcast a raw transaction (hex); answers its txid as text."""
    return PlainTextResponse(await peach.chain.broadcast(session, body.tx))


@router.get("/estimateFees", dependencies=Public, response_model=FeeEstimates, summary="Get fee estimates")
async def estimate_fees(session: Session, peach: PeachDep) -> Response:
    return WireJSON(FeeEstimates.model_validate(await peach.chain.fee_estimates(session)))


@router.post("/user/register", dependencies=Public, response_model=AccessToken, summary="Register")
@router.post("/user/register/", dependencies=Public, include_in_schema=False)
async def register(session: Session, peach: PeachDep, body: AuthRequest, key: TokenKey) -> Response:
    """A new account: its key signs `Peach Registration <unix ms>` (USER_EXISTS when known)."""
    return WireJSON(await users.authenticate_key(session, peach, body, register=True, key=key))


@router.post("/user/auth", dependencies=Public, response_model=AccessToken, summary="Get access token")
@router.post("/user/auth/", dependencies=Public, include_in_schema=False)
async def auth(session: Session, peach: PeachDep, body: AuthRequest, key: TokenKey) -> Response:
    """A 60-minute access token for the key's account (registered on first use)."""
    return WireJSON(await users.authenticate_key(session, peach, body, register=False, key=key))


# ---------------------------------------------------------------- the caller's account


@router.get("/user/me", response_model=SelfUser, summary="Get self user")
async def me(session: Session, user: User) -> Response:
    return WireJSON(await reputation.self_profile(session, user))


@router.get("/user/me/paymentMethods", response_model=UserPaymentMethods, summary="Get user payment method info")
async def my_payment_methods(user: User) -> Response:
    return WireJSON(UserPaymentMethods(forbidden=ForbiddenMethods(buy=[], sell=[])))


@router.get("/user/tradingLimit", response_model=TradingLimit, summary="Trading limit")
async def trading_limit(session: Session, user: User, peach: PeachDep) -> Response:
    return WireJSON(limits.view(peach, await limits.traded(session, user.id)))


@router.patch("/user", response_model=Success, summary="Update user")
async def update(session: Session, user: User, peach: PeachDep, body: UpdateUserRequest) -> Response:
    """PGP key (with both proofs), push token, the referral code used, fee rate."""
    await users.update_user(session, peach, user, body)
    return WireJSON(OK)


@router.patch("/user/batching", response_model=Success, summary="Enable batching")
async def batching(session: Session, user: User, body: BatchingRequest) -> Response:
    user.batching, user.updated_at = body.enable_batching, utcnow()
    return WireJSON(OK)


@router.patch("/user/referral/redeem/referralCode", response_model=Redeemed, summary="Redeem custom referral code")
async def redeem_code(session: Session, user: User, body: RedeemCodeRequest) -> Response:
    points = await referrals.redeem_code(session, user, body.code)
    return WireJSON(Redeemed(bonus_points=points))


@router.patch("/user/referral/redeem/freeTrades", response_model=Redeemed, summary="Redeem free trades")
@router.patch("/user/referral/redeem/fiveFreeTrades", response_model=Redeemed, summary="Redeem free trades")
async def redeem_trades(session: Session, user: User) -> Response:
    return WireJSON(Redeemed(bonus_points=await referrals.redeem_free_trades(session, user)))


@router.patch("/user/paymentHash", response_model=Success, summary="Unlink payment hashes")
async def unlink_hashes(session: Session, user: User, body: UnlinkHashesRequest) -> Response:
    await users.unlink_payment_hashes(session, user, body.hashes)
    return WireJSON(OK)


@router.patch("/user/logout", response_model=Success, summary="Logout")
async def logout(request: Request, session: Session, user: User) -> Response:
    """Unregisters push notifications and ends every token of the account (its sockets close)."""
    await users.logout(session, user)
    hub = hub_of(platform_of(request))
    on_commit(session, lambda: hub.publish(user.id, SESSION_CHANGED))
    return WireJSON(OK)


@router.get("/user/{userId}/status", response_model=UserStatus, summary="User status")
async def user_status(user_id: UserPath, session: Session, user: User) -> Response:
    return WireJSON(await users.status(session, user, user_id))


@router.put("/user/{userId}/block", response_model=Success, summary="Block user")
async def block(user_id: UserPath, session: Session, user: User) -> Response:
    await users.set_block(session, user, user_id, blocked=True)
    return WireJSON(OK)


@router.delete("/user/{userId}/block", response_model=Success, summary="Unblock user")
async def unblock(user_id: UserPath, session: Session, user: User) -> Response:
    await users.set_block(session, user, user_id, blocked=False)
    return WireJSON(OK)


@router.get("/user/{userId}/ratings", dependencies=Public, response_model=list[Rating], summary="Rating")
async def ratings(user_id: UserPath, session: Session) -> Response:
    """Ratings the user received, newest first (the latest 1000)."""
    return WireJSON([r.wire() for r in await ratings_of(session, await users.find_user(session, user_id))])


@router.get("/user/{userId}", dependencies=Public, response_model=PublicUser, summary="User")
async def public_user(user_id: UserPath, session: Session) -> Response:
    found = await users.find_user(session, user_id)
    return WireJSON(await reputation.public_profile(session, found))


# ---------------------------------------------------------------- offers


@router.post("/offer", response_model=Offer, summary="Post buy or sell offer")
@router.post("/offer/", include_in_schema=False)
async def post_offer(
    request: Request,
    session: Session,
    user: User,
    peach: PeachDep,
    body: Annotated[BuyOfferRequest | SellOfferRequest, Body(discriminator="type")],
    _key: IdempotencyKey = None,
) -> Response:
    """A buy offer (bid: an amount range, a signed release address) or a sell offer (ask: one
    amount, a premium, a return address; online once its escrow is funded)."""

    async def create() -> Response:
        offer = await offers.create_offer(session, peach, user, body)
        prices = await offers.price_map(session, peach)
        profile = (await offers.profiles_for(session, [offer]))[user.id]
        terms = await instant.terms_of(session, [offer.id])
        return WireJSON(
            instant.owner_view(offers.offer_view(offer, profile, None, prices).wire(), terms.get(offer.id), owner=True)
        )

    return await idempotent(request, session, user_scope(user), fingerprint(body), create)


@router.post("/offer/search", response_model=SearchResult, summary="Search offers", openapi_extra=OPTIONAL_TOKEN)
async def search_offers(
    session: Session,
    user: MaybeUser,
    peach: PeachDep,
    body: Annotated[SearchRequest | None, Body()] = None,
    page: Annotated[PageNumber, Query(description="0-based")] = 0,
    size: Annotated[PageSize, Query()] = search.DEFAULT_SIZE,
    sort_by: Annotated[SortBy | None, Query(alias="sortBy")] = None,
) -> Response:
    """Online offers matching the filters; a caller never sees its own offers nor blocked users'."""
    sorts = search.sort_keys(sort_by)
    rows, total = await search.search(session, body or SearchRequest(), user, page=page, size=size, sorts=sorts)
    profiles = await offers.profiles_for(session, rows)
    escrows = await offers.escrows_for(session, rows)
    prices = await offers.price_map(session, peach)
    return WireJSON(
        SearchResult(
            offers=[offers.public_offer_view(o, profiles[o.user_id], escrows.get(o.id), prices) for o in rows],
            total=total,
            remaining=max(0, total - (page + 1) * size),
        )
    )


@router.get("/offers", response_model=list[Offer], summary="Get all offers")
async def list_offers(session: Session, user: User, peach: PeachDep) -> Response:
    rows = await offers.own_offers(session, user)
    profiles = await offers.profiles_for(session, rows)
    escrows = await offers.escrows_for(session, rows)
    prices = await offers.price_map(session, peach)
    terms = await instant.terms_of(session, [o.id for o in rows if o.type == "ask"])
    return WireJSON(
        [
            instant.owner_view(
                offers.offer_view(o, profiles[user.id], escrows.get(o.id), prices).wire(), terms.get(o.id), owner=True
            )
            for o in rows
        ]
    )


@router.get("/offers/summary", response_model=list[OfferSummary], summary="Get offers summaries")
async def offer_summaries(session: Session, user: User, peach: PeachDep) -> Response:
    rows = await offers.own_offers(session, user)
    escrows = await offers.escrows_for(session, rows)
    prices = await offers.price_map(session, peach)
    return WireJSON([offers.summary_view(o, escrows.get(o.id), prices).wire() for o in rows])


@router.get("/offer/{offerId}", response_model=PublicOffer, summary="Get offer", openapi_extra=OPTIONAL_TOKEN)
async def get_offer(offer_id: OfferPath, session: Session, user: MaybeUser, peach: PeachDep) -> Response:
    """An online offer, as anyone sees it."""
    offer = await offers.public_offer(session, offer_id)
    profile = (await offers.profiles_for(session, [offer]))[offer.user_id]
    escrows = await offers.escrows_for(session, [offer])
    return WireJSON(
        offers.public_offer_view(offer, profile, escrows.get(offer.id), await offers.price_map(session, peach))
    )


@router.get("/offer/{offerId}/details", response_model=Offer, summary="Get offer details")
async def offer_details(offer_id: OfferPath, session: Session, user: User, peach: PeachDep) -> Response:
    offer = await offers.own_offer(session, user, offer_id)
    profile = (await offers.profiles_for(session, [offer]))[user.id]
    escrows = await offers.escrows_for(session, [offer])
    prices = await offers.price_map(session, peach)
    terms = await instant.terms_of(session, [offer.id])
    view = offers.offer_view(offer, profile, escrows.get(offer.id), prices).wire()
    return WireJSON(instant.owner_view(view, terms.get(offer.id), owner=True))


@router.patch("/offer/{offerId}", response_model=Success, summary="Update offer")
async def patch_offer(offer_id: OfferPath, session: Session, user: User, body: UpdateOfferRequest) -> Response:
    offer = await offers.own_offer(session, user, offer_id, lock=True)
    await offers.update_offer(session, offer, body)
    return WireJSON(OK)


@router.post("/offer/{offerId}/cancel", response_model=Success | RefundPsbt, summary="Cancel offer")
async def cancel(
    offer_id: OfferPath, request: Request, session: Session, user: User, peach: PeachDep, _key: IdempotencyKey = None
) -> Response:
    """A buy offer: {"success": true}. A funded sell offer: the refund PSBT the platform signed."""

    async def run() -> Response:
        offer = await offers.own_offer(session, user, offer_id, lock=True)
        if offer.type == "bid":
            await offers.cancel_buy_offer(session, offer)
            return WireJSON(OK)
        return WireJSON(await multisig.cancel_sell_offer(session, peach, user, offer))

    return await idempotent(request, session, user_scope(user), {}, run)


@router.get("/offer/{offerId}/refundPSBT", response_model=RefundPsbt, summary="Get refund PSBT")
async def get_refund_psbt(offer_id: OfferPath, session: Session, user: User) -> Response:
    offer = await offers.own_offer(session, user, offer_id)
    return WireJSON(await multisig.refund_psbt(session, offer))


@router.post("/offer/{offerId}/refund", response_model=Refunded, summary="Refund sell offer")
async def refund(
    offer_id: OfferPath,
    request: Request,
    session: Session,
    user: User,
    peach: PeachDep,
    body: RefundRequest,
    _key: IdempotencyKey = None,
) -> Response:
    """Broadcast the refund PSBT, completed with the seller's signature, as a hex transaction."""

    async def run() -> Response:
        offer = await offers.own_offer(session, user, offer_id, lock=True)
        txid = await multisig.refund(session, peach, offer, body.tx)
        return WireJSON(Refunded(tx_id=txid))

    return await idempotent(request, session, user_scope(user), fingerprint(body), run)


@router.post("/offer/{offerId}/revive", response_model=Revived, summary="Re-publish sell offer")
async def revive(
    offer_id: OfferPath, request: Request, session: Session, user: User, _key: IdempotencyKey = None
) -> Response:
    async def run() -> Response:
        offer = await offers.own_offer(session, user, offer_id, lock=True)
        revived = await multisig.revive(session, offer)
        return WireJSON(Revived(new_offer_id=str(revived.id)))

    return await idempotent(request, session, user_scope(user), {}, run)


@router.post("/offer/{offerId}/escrow", response_model=EscrowCreated, summary="Create escrow")
async def create_escrow(
    offer_id: OfferPath, session: Session, user: User, peach: PeachDep, body: EscrowRequest
) -> Response:
    """The 2-of-2 escrow address of a sell offer with the seller's key (the same key again: the same escrow)."""
    offer = await offers.own_offer(session, user, offer_id, lock=True)
    if body.return_address is not None and offer.return_address is None and offer.type == "ask":
        offer.return_address = offers.check_address(peach, body.return_address, "returnAddress")
    created = await multisig.create_escrow(session, peach, offer, body.public_key)
    return WireJSON(
        EscrowCreated(
            escrow=created.address,
            funding=ShortFunding(confirmations=created.confirmations, status=created.funding_status),
            offer_id=str(offer.id),
        )
    )


@router.get("/offer/{offerId}/escrow", response_model=FundingStatus, summary="Get funding status")
async def funding_status(offer_id: OfferPath, session: Session, user: User) -> Response:
    offer = await offers.own_offer(session, user, offer_id)
    return WireJSON(multisig.escrow_view(offer, await multisig.escrow_of(session, offer)))


@router.post("/offer/{offerId}/escrow/confirm", response_model=Success, summary="Confirm escrow funding")
async def confirm_escrow(offer_id: OfferPath, session: Session, user: User, peach: PeachDep) -> Response:
    """The seller accepts the amount it sent when it differs from the offer's."""
    offer = await offers.own_offer(session, user, offer_id, lock=True)
    await multisig.confirm_wrong_amount(session, peach, offer)
    return WireJSON(OK)
