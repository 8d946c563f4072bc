"""Rating the counterparty of a completed trade: 1 or -1, signed by the rater's account key
over sha256 of the counterparty's id, once per party per contract."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.chain.keys import parse_public_key, verify_message
from peerx.core.db import utcnow
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin import repository as shared
from peerx.products.bitcoin.contracts.history import bitcoin_reached_buyer
from peerx.products.bitcoin.contracts.repository import contract_for_party, counterparty_id, role_of
from peerx.products.bitcoin.identity import repository as identity
from peerx.products.bitcoin.identity import reputation
from peerx.products.bitcoin.identity.schemas import Rating
from peerx.products.bitcoin.models import PeachRating, PeachUser
from peerx.products.bitcoin.social import repository
from peerx.products.bitcoin.wire import wire_time

RATINGS_LIMIT = 1000  # user/:id/ratings shows the latest ratings, newest first


async def rate(session: AsyncSession, user: PeachUser, contract_id: str, value: int, signature: str) -> None:
    """`value` is 1 or -1 (the wire model checks it); `signature` the rater's, over the counterparty's id."""
    contract = await contract_for_party(session, contract_id, user, lock=True)
    if not bitcoin_reached_buyer(contract):
        raise f.BadState("Only a completed trade can be rated.")
    rated = await shared.user(session, counterparty_id(contract, user))
    assert rated is not None
    account_key = parse_public_key(user.public_key)
    assert account_key is not None
    if not verify_message(account_key, rated.public_key, signature):
        raise f.InvalidSignature("signature", "must sign sha256 of the counterparty's id with your account key")
    await identity.lock_user(session, rated.id)  # before the rating row references the user
    seller_rates = role_of(contract, user) == "seller"
    if (contract.rating_buyer if seller_rates else contract.rating_seller) is not None:
        raise f.Duplicate("You rated this trade already.")
    try:
        async with session.begin_nested():  # the unique (contract, rater) is the last guard
            session.add(
                PeachRating(
                    contract_id=contract.id,
                    rater_id=user.id,
                    rated_id=rated.id,
                    rating=value,
                    signature=signature,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        raise f.Duplicate("You rated this trade already.") from None
    if seller_rates:
        contract.rating_buyer = value
    else:
        contract.rating_seller = value
    contract.updated_at = utcnow()
    await reputation.recompute(session, rated.id)


async def ratings_of(session: AsyncSession, user: PeachUser) -> list[Rating]:
    rows = await repository.ratings_received(session, user.id, RATINGS_LIMIT)
    return [
        Rating(
            creation_date=wire_time(rating.created_at), rating=rating.rating, rated_by=rater, signature=rating.signature
        )
        for rating, rater in rows
    ]
