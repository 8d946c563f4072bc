"""Every query of the offers capability: one offer (the owner's, a public one, any by id, with
or without its row lock), a user's offers, their payment methods and escrows, the payment hashes
that tie payment data to one account, and the trade volumes the trading limits count. The
dynamic search (offers/search.py) builds its own SQL. Plain functions over the session; the
rules (who may see or change what, the errors) stay in service.py, limits.py and contracts/."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.products.bitcoin.models import (
    Contract,
    PeachEscrow,
    PeachOffer,
    PeachOfferMethod,
    PeachPaymentHash,
    PeachSellOfferTerms,
    PeachUser,
)

# ---------------------------------------------------------------- offers


async def offer_of(session: AsyncSession, user: PeachUser, offer_id: int, *, lock: bool = False) -> PeachOffer | None:
    """The offer if `user` owns it (locked FOR UPDATE with `lock`)."""
    query = select(PeachOffer).where(PeachOffer.id == offer_id, PeachOffer.user_id == user.id)
    return await session.scalar(query.with_for_update() if lock else query)


async def offer(session: AsyncSession, offer_id: int) -> PeachOffer | None:
    """Any offer by id (from the session's identity map when loaded already)."""
    return await session.get(PeachOffer, offer_id)


async def offer_for_update(session: AsyncSession, offer_id: int) -> PeachOffer | None:
    """Any offer by id, locked FOR UPDATE (Session.get with_for_update: always read)."""
    return await session.get(PeachOffer, offer_id, with_for_update=True)


async def offer_by_id(session: AsyncSession, offer_id: int, *, lock: bool = False) -> PeachOffer | None:
    """Any offer by id, read by a query (locked FOR UPDATE with `lock`)."""
    query = select(PeachOffer).where(PeachOffer.id == offer_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def offers_by_ids(session: AsyncSession, offer_ids: list[int]) -> dict[int, PeachOffer]:
    return {o.id: o for o in await session.scalars(select(PeachOffer).where(PeachOffer.id.in_(offer_ids)))}


async def offers_of(session: AsyncSession, user: PeachUser) -> list[PeachOffer]:
    """The user's offers, oldest first."""
    return list(await session.scalars(select(PeachOffer).where(PeachOffer.user_id == user.id).order_by(PeachOffer.id)))


async def methods_of(session: AsyncSession, offer_id: int) -> list[PeachOfferMethod]:
    """The offer's (currency, method) rows, the index search probes."""
    return list(await session.scalars(select(PeachOfferMethod).where(PeachOfferMethod.offer_id == offer_id)))


# ---------------------------------------------------------------- escrows


async def escrow_of(session: AsyncSession, offer_id: int, *, lock: bool = False) -> PeachEscrow | None:
    """The sell offer's escrow (locked FOR UPDATE with `lock`)."""
    query = select(PeachEscrow).where(PeachEscrow.offer_id == offer_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def escrows_of(session: AsyncSession, offer_ids: list[int]) -> dict[int, PeachEscrow]:
    """The escrows of these sell offers, by offer id."""
    rows = await session.scalars(select(PeachEscrow).where(PeachEscrow.offer_id.in_(offer_ids)))
    return {e.offer_id: e for e in rows}


# ---------------------------------------------------------------- payment hashes


async def payment_hash_owners(session: AsyncSession, hashes: list[str]) -> dict[str, int]:
    """Which user holds each of these payment data hashes (the unclaimed ones are absent)."""
    rows = await session.execute(
        select(PeachPaymentHash.hash, PeachPaymentHash.user_id).where(PeachPaymentHash.hash.in_(hashes))
    )
    return {value: owner for value, owner in rows}


# ---------------------------------------------------------------- trade volumes


async def trade_volumes(
    session: AsyncSession, user_id: int, *, day: datetime, anonymous: datetime, year: datetime
) -> tuple[int, int, int]:
    """The limit value of the user's contracts not canceled, as buyer or seller, in one pass over
    those created since `year`: created since `day`, since `anonymous` with anonymous methods
    only, and since `year`."""

    def since(start: datetime, anonymous_only: bool = False) -> Any:
        condition = Contract.created_at >= start
        if anonymous_only:
            condition = and_(condition, Contract.anonymous.is_(True))
        return func.coalesce(func.sum(case((condition, Contract.limit_value_minor), else_=0)), 0)

    row = (
        await session.execute(
            select(since(day), since(anonymous, anonymous_only=True), since(year)).where(
                or_(Contract.seller_id == user_id, Contract.buyer_id == user_id),
                Contract.canceled.is_(False),
                Contract.created_at >= year,
            )
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def sell_offer_terms(session: AsyncSession, offer_ids: list[int]) -> dict[int, PeachSellOfferTerms]:
    """The app's instant-trade terms of these sell offers (offers/instant.py), by offer id."""
    if not offer_ids:
        return {}
    rows = await session.scalars(select(PeachSellOfferTerms).where(PeachSellOfferTerms.offer_id.in_(offer_ids)))
    return {row.offer_id: row for row in rows}
