"""Every query of the v069 surface."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, desc, not_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.products.bitcoin.contracts.repository import blocked_either_way
from peerx.products.bitcoin.models import (
    Contract,
    FundingState,
    PeachBlock,
    PeachBuyOfferTerms,
    PeachEscrow,
    PeachOffer,
    PeachOfferMethod,
    PeachTradeRequest,
    PeachTradeRequestMessage,
    PeachUser,
    PeachUserSettings69,
    TradeStatus,
)

MAX_LISTED = 200


async def online_sell_offers(
    session: AsyncSession,
    viewer: PeachUser,
    *,
    min_amount: int | None,
    max_amount: int | None,
    max_premium_bp: int | None,
    currencies: list[str],
    methods: list[str],
) -> list[PeachOffer]:
    """Online sell offers whose escrow is funded, without blocked users' (in either direction)."""
    query = (
        select(PeachOffer)
        .join(PeachEscrow, PeachEscrow.offer_id == PeachOffer.id)
        .where(
            PeachOffer.type == "ask",
            PeachOffer.online.is_(True),
            PeachOffer.trade_status == TradeStatus.SEARCHING_FOR_PEER,
            PeachEscrow.funding_status == FundingState.FUNDED,
            not_(blocked_either_way(PeachOffer.user_id, viewer.id)),
        )
    )
    return await _filtered(session, query, min_amount, max_amount, currencies, methods, premium_max=max_premium_bp)


async def online_buy_offers(
    session: AsyncSession,
    viewer: PeachUser,
    *,
    min_amount: int | None,
    max_amount: int | None,
    min_premium_bp: int | None,
    currencies: list[str],
    methods: list[str],
    own: bool,
) -> list[PeachOffer]:
    """Online v069 buy offers (those with terms): others' or, with `own`, the viewer's."""
    query = select(PeachOffer).join(PeachBuyOfferTerms, PeachBuyOfferTerms.offer_id == PeachOffer.id)
    query = query.where(PeachOffer.type == "bid", PeachOffer.online.is_(True), PeachOffer.canceled.is_(False))
    if own:
        query = query.where(PeachOffer.user_id == viewer.id)
    else:
        query = query.where(not_(blocked_either_way(PeachOffer.user_id, viewer.id)))
    return await _filtered(session, query, min_amount, max_amount, currencies, methods, premium_min=min_premium_bp)


async def _filtered(
    session: AsyncSession,
    query: Any,
    min_amount: int | None,
    max_amount: int | None,
    currencies: list[str],
    methods: list[str],
    *,
    premium_max: int | None = None,
    premium_min: int | None = None,
) -> list[PeachOffer]:
    if min_amount is not None:
        query = query.where(PeachOffer.amount_max >= min_amount)
    if max_amount is not None:
        query = query.where(PeachOffer.amount_max <= max_amount)
    if premium_max is not None:
        query = query.where(PeachOffer.premium_bp <= premium_max)
    if premium_min is not None:
        query = query.where(PeachOffer.premium_bp >= premium_min)
    if currencies or methods:
        method = select(PeachOfferMethod.offer_id).where(PeachOfferMethod.offer_id == PeachOffer.id)
        if currencies:
            method = method.where(PeachOfferMethod.currency.in_(currencies))
        if methods:
            method = method.where(PeachOfferMethod.method.in_(methods))
        query = query.where(method.exists())
    query = query.order_by(desc(PeachOffer.created_at), desc(PeachOffer.id)).limit(MAX_LISTED)
    return list(await session.scalars(query))


async def open_offers_of(session: AsyncSession, user_id: int) -> list[PeachOffer]:
    """A user's online offers: funded sell offers and v069 buy offers."""
    sells = select(PeachOffer).join(PeachEscrow, PeachEscrow.offer_id == PeachOffer.id)
    sells = sells.where(
        PeachOffer.user_id == user_id,
        PeachOffer.type == "ask",
        PeachOffer.online.is_(True),
        PeachEscrow.funding_status == FundingState.FUNDED,
    )
    buys = select(PeachOffer).join(PeachBuyOfferTerms, PeachBuyOfferTerms.offer_id == PeachOffer.id)
    buys = buys.where(PeachOffer.user_id == user_id, PeachOffer.online.is_(True), PeachOffer.canceled.is_(False))
    return list(await session.scalars(sells.order_by(PeachOffer.id))) + list(
        await session.scalars(buys.order_by(PeachOffer.id))
    )


async def terms_of(session: AsyncSession, offer_ids: list[int]) -> dict[int, PeachBuyOfferTerms]:
    if not offer_ids:
        return {}
    rows = await session.scalars(select(PeachBuyOfferTerms).where(PeachBuyOfferTerms.offer_id.in_(offer_ids)))
    return {row.offer_id: row for row in rows}


async def requested_offer_ids(session: AsyncSession, user_id: int, offer_ids: list[int]) -> set[int]:
    """Which of `offer_ids` the user has a pending trade request on."""
    if not offer_ids:
        return set()
    rows = await session.scalars(
        select(PeachTradeRequest.offer_id).where(
            PeachTradeRequest.user_id == user_id,
            PeachTradeRequest.offer_id.in_(offer_ids),
            PeachTradeRequest.status == "pending",
        )
    )
    return set(rows)


async def trade_request(
    session: AsyncSession, offer_id: int, user_id: int, *, lock: bool = False
) -> PeachTradeRequest | None:
    query = select(PeachTradeRequest).where(
        PeachTradeRequest.offer_id == offer_id, PeachTradeRequest.user_id == user_id
    )
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def pending_requests_of_offer(session: AsyncSession, offer_id: int) -> list[PeachTradeRequest]:
    query = select(PeachTradeRequest).where(
        PeachTradeRequest.offer_id == offer_id, PeachTradeRequest.status == "pending"
    )
    return list(await session.scalars(query.order_by(PeachTradeRequest.id)))


async def delete_trade_request(session: AsyncSession, request_id: int) -> None:
    await session.execute(
        delete(PeachTradeRequestMessage).where(PeachTradeRequestMessage.trade_request_id == request_id)
    )
    await session.execute(delete(PeachTradeRequest).where(PeachTradeRequest.id == request_id))


async def drop_pending_requests(session: AsyncSession, offer_id: int) -> list[int]:
    """Delete the pending requests on an offer (their chats too); the requesters' user ids."""
    rows = list(
        await session.scalars(
            select(PeachTradeRequest).where(
                PeachTradeRequest.offer_id == offer_id, PeachTradeRequest.status == "pending"
            )
        )
    )
    for row in rows:
        await delete_trade_request(session, row.id)
    return [row.user_id for row in rows]


async def messages(session: AsyncSession, request_id: int) -> list[PeachTradeRequestMessage]:
    query = select(PeachTradeRequestMessage).where(PeachTradeRequestMessage.trade_request_id == request_id)
    return list(await session.scalars(query.order_by(PeachTradeRequestMessage.id)))


async def mark_seen(session: AsyncSession, request_id: int, sender: str) -> None:
    """The reader has seen what the other side sent."""
    await session.execute(
        update(PeachTradeRequestMessage)
        .where(
            and_(
                PeachTradeRequestMessage.trade_request_id == request_id,
                PeachTradeRequestMessage.sender == sender,
                PeachTradeRequestMessage.seen.is_(False),
            )
        )
        .values(seen=True)
    )


async def contract_of_offer_for(session: AsyncSession, offer: PeachOffer, user_id: int) -> Contract | None:
    """The contract `offer` turned into with `user_id` on the other side, if any."""
    if offer.type == "ask":
        query = select(Contract).where(Contract.sell_offer_id == offer.id, Contract.buyer_id == user_id)
    else:
        query = select(Contract).where(Contract.buy_offer_id == offer.id, Contract.seller_id == user_id)
    return (await session.scalars(query)).first()


async def settings_of(session: AsyncSession, user_id: int, *, lock: bool = False) -> PeachUserSettings69 | None:
    query = select(PeachUserSettings69).where(PeachUserSettings69.user_id == user_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def blocked_by(session: AsyncSession, user_id: int) -> list[PeachUser]:
    query = (
        select(PeachUser)
        .join(PeachBlock, PeachBlock.blocked_id == PeachUser.id)
        .where(PeachBlock.user_id == user_id)
        .order_by(PeachBlock.id)
    )
    return list(await session.scalars(query))


async def user_by_public_key(session: AsyncSession, public_key: str) -> PeachUser | None:
    return (await session.scalars(select(PeachUser).where(PeachUser.public_key == public_key))).first()


async def users_by_ids(session: AsyncSession, ids: list[int]) -> dict[int, PeachUser]:
    if not ids:
        return {}
    return {u.id: u for u in await session.scalars(select(PeachUser).where(PeachUser.id.in_(ids)))}


async def request_of_contract(session: AsyncSession, contract_id: str) -> PeachTradeRequest | None:
    query = select(PeachTradeRequest).where(PeachTradeRequest.contract_id == contract_id)
    return (await session.scalars(query)).first()
