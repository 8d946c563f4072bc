"""Single-use listings on the wire, online (/single_use_listings) and face to face
(/p2p/single_use_listings): create, read, delete, describe, price (online) and buy. The rules are
in listings.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.products.escrow import listings, oauth
from peerx.products.escrow.api.shared import meaning
from peerx.products.escrow.deps import Idempotent, User, actor, once
from peerx.products.escrow.errors import documented
from peerx.products.escrow.models import EscrowListing
from peerx.products.escrow.schemas import (
    BasicListing,
    BasicTransaction,
    CreateListing,
    CreateP2PListing,
    Deleted,
    EmptyBody,
    ListingDescription,
    P2PListing,
    P2PTransaction,
    PathId,
    SetPrice,
    WireRequest,
    WireResponse,
)
from peerx.web import Session, WireJSON, wire_router

router = wire_router(strict_content_type=False)  # a JSON body without a Content-Type is read as JSON

ONLINE, F2F = "Online Single-use Listings", "F2F Single-use Listings"
ListingId = Annotated[PathId, Path(description="The listing's id.", examples=[1])]
P2PListingId = Annotated[PathId, Path(description="The listing's id.", examples=[2])]
ERRORS = (400, 401, 403, 404)
OWNER_CODES = ("invalid_id", "listing_already_used")
BUY_CODES = ("invalid_id", "cannot_join_own_transaction", "listing_already_used", "listing_not_priced")
PRICE_CODES = (
    "currency_missing",
    "incorrect_calc_version",
    "incorrect_charge",
    "invalid_calc_version",
    "negative_price",
    "price_too_low",
    "unsupported_currency",
)


class Listings:
    """The route work for one kind of listing (`basic` or `p2p`): its wire models for the listing
    and for the transaction bought from it."""

    def __init__(self, kind: str, listing: type[WireResponse], transaction: type[WireResponse]) -> None:
        self.kind = kind
        self.listing = listing
        self.transaction = transaction

    def view(self, listing: EscrowListing) -> dict[str, Any]:
        return self.listing.of(listings.listing_view(listing))

    async def change(
        self,
        request: Request,
        session: AsyncSession,
        user: oauth.TokenUser,
        body: WireRequest | None,
        change: Callable[[], Awaitable[EscrowListing]],
    ) -> Response:
        """A change answered with the listing, once per Idempotency-Key."""

        async def produce() -> dict[str, Any]:
            return self.view(await change())

        return await once(request, session, user, meaning(body), produce)

    async def create(
        self,
        request: Request,
        session: AsyncSession,
        user: oauth.TokenUser,
        body: CreateListing | CreateP2PListing | None,
    ) -> Response:
        description, pricing = (body.description, body.pricing()) if body is not None else ("", None)
        return await self.change(
            request, session, user, body, lambda: listings.create(session, actor(user), self.kind, description, pricing)
        )

    async def read(self, session: AsyncSession, user: oauth.TokenUser, listing_id: int) -> Response:
        return WireJSON(self.view(await listings.get(session, actor(user), self.kind, listing_id)))

    async def delete(self, session: AsyncSession, user: oauth.TokenUser, listing_id: int) -> Response:
        await listings.delete(session, actor(user), self.kind, listing_id)
        return WireJSON(Deleted.of({}))

    async def describe(
        self, request: Request, session: AsyncSession, user: oauth.TokenUser, listing_id: int, body: ListingDescription
    ) -> Response:
        return await self.change(
            request,
            session,
            user,
            body,
            lambda: listings.set_description(session, actor(user), self.kind, listing_id, body.listing_description),
        )

    async def buy(
        self, request: Request, session: AsyncSession, user: oauth.TokenUser, listing_id: int, body: EmptyBody | None
    ) -> Response:
        """The caller becomes the buyer of a new transaction made from the listing."""

        async def produce() -> dict[str, Any]:
            return self.transaction.of(await listings.create_transaction(session, actor(user), self.kind, listing_id))

        return await once(request, session, user, meaning(body), produce)


BASIC = Listings("basic", BasicListing, BasicTransaction)
P2P = Listings("p2p", P2PListing, P2PTransaction)


# ---------------------------------------------------------------- online


@router.post(
    "/me/single_use_listings",
    operation_id="basic_ls.createListing",
    tags=[ONLINE],
    summary="Create a new online listing for the logged-in user",
    description="The document sends no body; a body may carry the description and the pricing.",
    response_model=BasicListing,
    responses=documented(400, 401, 403, codes={400: PRICE_CODES}),
    dependencies=[Idempotent],
)
async def create_listing(request: Request, session: Session, user: User, body: CreateListing | None = None) -> Response:
    return await BASIC.create(request, session, user, body)


@router.get(
    "/single_use_listings/{listing_id}",
    operation_id="basic_ls.getListing",
    tags=[ONLINE],
    summary="Get this online listing",
    description="Anyone logged in (in the same mode) may read a listing.",
    response_model=BasicListing,
    responses=documented(400, 401, 403, 404, codes={400: ("invalid_id",)}),
)
async def get_listing(listing_id: ListingId, session: Session, user: User) -> Response:
    return await BASIC.read(session, user, listing_id)


@router.delete(
    "/single_use_listings/{listing_id}",
    operation_id="basic_ls.deleteListing",
    tags=[ONLINE],
    summary="Delete this online listing",
    description="Its creator, until a transaction is made from it.",
    response_model=Deleted,
    responses=documented(*ERRORS, codes={400: OWNER_CODES, 403: ("not_seller",)}),
)
async def delete_listing(listing_id: ListingId, session: Session, user: User) -> Response:
    return await BASIC.delete(session, user, listing_id)


@router.post(
    "/single_use_listings/{listing_id}/set_description",
    operation_id="basic_ls.setDescription",
    tags=[ONLINE],
    summary="Set the description of this online listing",
    response_model=BasicListing,
    responses=documented(*ERRORS, codes={400: OWNER_CODES, 403: ("not_seller",)}),
    dependencies=[Idempotent],
)
async def set_description(
    listing_id: ListingId, request: Request, session: Session, user: User, body: ListingDescription
) -> Response:
    return await BASIC.describe(request, session, user, listing_id, body)


@router.post(
    "/single_use_listings/{listing_id}/set_pricing",
    operation_id="basic_ls.setPricing",
    tags=[ONLINE],
    summary="Set the pricing of this online listing",
    description="A `/charge` quote for the price, as when creating a transaction.",
    response_model=BasicListing,
    responses=documented(*ERRORS, codes={400: (*OWNER_CODES, *PRICE_CODES), 403: ("not_seller",)}),
    dependencies=[Idempotent],
)
async def set_pricing(
    listing_id: ListingId, request: Request, session: Session, user: User, body: SetPrice
) -> Response:
    return await BASIC.change(
        request,
        session,
        user,
        body,
        lambda: listings.set_pricing(
            session,
            actor(user),
            listing_id,
            currency=body.lowered_currency(),
            price=body.price,
            charge=body.charge,
            version=body.charge_calculator_version,
        ),
    )


@router.post(
    "/single_use_listings/{listing_id}/create_transaction",
    operation_id="basic_ls.createTransaction",
    tags=[ONLINE],
    summary="Create a transaction from this online listing",
    description="The caller becomes the buyer of a new, already joined transaction; the listing is used up.",
    response_model=BasicTransaction,
    responses=documented(*ERRORS, codes={400: BUY_CODES}),
    dependencies=[Idempotent],
)
async def create_transaction(
    listing_id: ListingId, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await BASIC.buy(request, session, user, listing_id, body)


# ---------------------------------------------------------------- face to face


@router.post(
    "/p2p/me/single_use_listings",
    operation_id="p2p_ls.createListing",
    tags=[F2F],
    summary="Create a new face-to-face listing for the logged-in user",
    description="The document sends no body; a body may carry the description and the deposit pricing "
    "(`depositPricing`, or the spec's flat `deposit_price` and `deposit_charge`).",
    response_model=P2PListing,
    responses=documented(400, 401, 403, codes={400: (*PRICE_CODES, "invalid_price")}),
    dependencies=[Idempotent],
)
async def create_p2p_listing(
    request: Request, session: Session, user: User, body: CreateP2PListing | None = None
) -> Response:
    return await P2P.create(request, session, user, body)


@router.get(
    "/p2p/single_use_listings/{listing_id}",
    operation_id="p2p_ls.getListing",
    tags=[F2F],
    summary="Get this face-to-face listing",
    description="Anyone logged in (in the same mode) may read a listing.",
    response_model=P2PListing,
    responses=documented(400, 401, 403, 404, codes={400: ("invalid_id",)}),
)
async def get_p2p_listing(listing_id: P2PListingId, session: Session, user: User) -> Response:
    return await P2P.read(session, user, listing_id)


@router.delete(
    "/p2p/single_use_listings/{listing_id}",
    operation_id="p2p_ls.deleteListing",
    tags=[F2F],
    summary="Delete this face-to-face listing",
    description="Its creator, until a transaction is made from it.",
    response_model=Deleted,
    responses=documented(*ERRORS, codes={400: OWNER_CODES, 403: ("not_seller",)}),
)
async def delete_p2p_listing(listing_id: P2PListingId, session: Session, user: User) -> Response:
    return await P2P.delete(session, user, listing_id)


@router.post(
    "/p2p/single_use_listings/{listing_id}/set_description",
    operation_id="p2p_ls.setDescription",
    tags=[F2F],
    summary="Set the description of this face-to-face listing",
    response_model=P2PListing,
    responses=documented(*ERRORS, codes={400: OWNER_CODES, 403: ("not_seller",)}),
    dependencies=[Idempotent],
)
async def set_p2p_description(
    listing_id: P2PListingId, request: Request, session: Session, user: User, body: ListingDescription
) -> Response:
    return await P2P.describe(request, session, user, listing_id, body)


@router.post(
    "/p2p/single_use_listings/{listing_id}/create_transaction",
    operation_id="p2p_ls.createTransaction",
    tags=[F2F],
    summary="Create a transaction from this face-to-face listing",
    description="The caller becomes the buyer of a new, already joined transaction; the listing is used up.",
    response_model=P2PTransaction,
    responses=documented(*ERRORS, codes={400: BUY_CODES}),
    dependencies=[Idempotent],
)
async def create_p2p_transaction(
    listing_id: P2PListingId, request: Request, session: Session, user: User, body: EmptyBody | None = None
) -> Response:
    return await P2P.buy(request, session, user, listing_id, body)
