"""Single-use listings, online (`basic`) and face to face (`p2p`): a seller prepares a listing
(description, price or deposit) and shares its id; the first other user who calls
create_transaction becomes the buyer of a new, already joined transaction, and the listing is
used up. Only the creator changes or deletes a listing; any logged-in user of the same mode may
read it (that is how a buyer sees what is offered)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.errors import NotFound
from peerx.products.escrow import charges, online, p2p, repository
from peerx.products.escrow.kernel import forbidden, state_error
from peerx.products.escrow.models import EscrowListing
from peerx.products.escrow.repository import Actor
from peerx.products.escrow.wire import wire_time


def listing_view(listing: EscrowListing) -> dict[str, Any]:
    """BasicListing / P2PListing: pricing (deposit_pricing) once set."""
    view: dict[str, Any] = {
        "id": listing.id,
        "creator_id": str(listing.creator_id),
        "description": listing.description,
        "created": wire_time(listing.created),
    }
    if listing.currency is not None:
        view["currency"] = listing.currency
    if listing.price is not None:
        view["deposit_pricing" if listing.kind == "p2p" else "pricing"] = {
            "price": listing.price,
            "charge": listing.charge,
        }
    if listing.transaction_id is not None:
        view["transaction_id"] = listing.transaction_id
    return view


async def _find(session: AsyncSession, actor: Actor, kind: str, listing_id: int, *, lock: bool) -> EscrowListing:
    found = await repository.listing(session, actor, kind, listing_id, lock=lock)
    if found is None:
        raise NotFound("Not Found")
    return found


async def _own(session: AsyncSession, actor: Actor, kind: str, listing_id: int) -> EscrowListing:
    listing = await _find(session, actor, kind, listing_id, lock=True)
    if listing.creator_id != actor.user_id:
        raise forbidden("not_seller", "Only the listing's creator can change it.")
    if listing.transaction_id is not None:
        raise state_error("listing_already_used", "A transaction has already been created from this listing.")
    return listing


async def _price(
    session: AsyncSession, listing: EscrowListing, *, currency: str, price: int, charge: int, version: int | None
) -> None:
    if listing.kind == "p2p":
        checked = await p2p.checked_deposit(session, currency=currency, price=price, charge=charge, version=version)
    else:
        assert version is not None
        checked = await charges.verify(
            session, "online", currency=currency, price=price, charge=charge, version=version, charge_seller=None
        )
        if checked.charge_seller >= price:
            raise charges.code_error("price", "must be above the seller's charge", "price_too_low")
    listing.currency, listing.price = currency.lower(), price
    listing.charge, listing.charge_seller, listing.calc_version = checked.charge, checked.charge_seller, checked.version


@dataclass(frozen=True)
class ListingPrice:
    """A listing's pricing: online the price, face to face the deposit, with its quoted charge.
    `version` may be None face to face (the document's body has none: the current one is used)."""

    currency: str
    price: int
    charge: int
    version: int | None


async def create(
    session: AsyncSession, actor: Actor, kind: str, description: str, pricing: ListingPrice | None
) -> EscrowListing:
    """The document's POST has no body; a body may carry the description and the pricing."""
    listing = EscrowListing(
        kind=kind,
        livemode=actor.livemode,
        client_id=actor.client_id,
        client_party_id=actor.client_party_id,
        creator_id=actor.user_id,
        description=description.strip(),
        created=utcnow(),
    )
    if pricing is not None:
        await _price(
            session,
            listing,
            currency=pricing.currency,
            price=pricing.price,
            charge=pricing.charge,
            version=pricing.version,
        )
    session.add(listing)
    await session.flush()
    return listing


async def get(session: AsyncSession, actor: Actor, kind: str, listing_id: int) -> EscrowListing:
    return await _find(session, actor, kind, listing_id, lock=False)


async def delete(session: AsyncSession, actor: Actor, kind: str, listing_id: int) -> None:
    listing = await _own(session, actor, kind, listing_id)
    listing.deleted = utcnow()
    await session.flush()


async def set_description(
    session: AsyncSession, actor: Actor, kind: str, listing_id: int, description: str
) -> EscrowListing:
    listing = await _own(session, actor, kind, listing_id)
    listing.description = description.strip()
    await session.flush()
    return listing


async def set_pricing(
    session: AsyncSession, actor: Actor, listing_id: int, *, currency: str | None, price: int, charge: int, version: int
) -> EscrowListing:
    listing = await _own(session, actor, "basic", listing_id)
    if not currency:
        raise charges.code_error("currency", "is required", "currency_missing")
    await _price(session, listing, currency=currency, price=price, charge=charge, version=version)
    await session.flush()
    return listing


async def create_transaction(session: AsyncSession, actor: Actor, kind: str, listing_id: int) -> dict[str, Any]:
    """The caller becomes the buyer of a new joined transaction; the listing is used up."""
    listing = await _find(session, actor, kind, listing_id, lock=True)
    if listing.creator_id == actor.user_id:
        raise state_error("cannot_join_own_transaction", "You cannot buy from your own listing.")
    if listing.transaction_id is not None:
        raise state_error("listing_already_used", "A transaction has already been created from this listing.")
    if listing.price is None or listing.currency is None or listing.charge is None:
        raise state_error("listing_not_priced", "The listing has no price yet.")
    seller = Actor(listing.creator_id, listing.livemode, listing.client_id, listing.client_party_id)
    view: dict[str, Any]
    if kind == "p2p":
        new = p2p.NewP2P("seller", listing.currency, listing.description, listing.price, listing.charge, None)
        p2p_tx = await p2p.create_transaction(session, seller, new, listing_id=listing.id)
        p2p_tx = await p2p.FLOW.join(session, actor, p2p_tx.join_code)
        listing.transaction_id = p2p_tx.id
        view = p2p.tx_view(p2p_tx)
    else:
        assert listing.calc_version is not None
        basic = online.NewTransaction(
            "seller", listing.currency, listing.price, listing.description, listing.charge, listing.calc_version, None
        )
        tx = await online.create_transaction(session, seller, basic)
        tx.listing_id = listing.id
        tx = await online.FLOW.join(session, actor, tx.join_code)
        listing.transaction_id = tx.id
        view = online.tx_view(tx)
    await session.flush()
    return view
