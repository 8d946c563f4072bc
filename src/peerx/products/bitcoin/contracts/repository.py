"""Every query of the contracts capability: contracts (for one of their parties, by id, locked),
matches, the sell offers a buy offer could match, blocks between two users, escrows by id, the
parties' rows locked in id order, trade outcomes and chat counts. Lock order everywhere in part 2:
contract, then its sell offer, then the escrow (part 1 locks offer then escrow), so no two paths
deadlock. Offers and their escrows by offer are read through offers/repository.py."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import NotFound, Unauthorized
from peerx.products.bitcoin.models import (
    Contract,
    PeachBlock,
    PeachChatMessage,
    PeachEscrow,
    PeachMatch,
    PeachOffer,
    PeachOfferMethod,
    PeachTradeOutcome,
    PeachTradeRequest,
    PeachUser,
    TradeStatus,
)

CONTRACT_ID = re.compile(r"[1-9][0-9]{0,18}-[1-9][0-9]{0,18}")


def contract_id(sell_offer_id: int, buy_offer_id: int) -> str:
    return f"{sell_offer_id}-{buy_offer_id}"


async def contract_by_id(session: AsyncSession, contract_id: str, *, lock: bool = False) -> Contract | None:
    """The contract (locked FOR UPDATE with `lock`)."""
    query = select(Contract).where(Contract.id == contract_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def contract_for_party(
    session: AsyncSession, contract_id: str, user: PeachUser, *, lock: bool = False
) -> Contract:
    """The contract if `user` is its buyer or seller: NOT_FOUND for an unknown id,
    UNAUTHORIZED for somebody else's contract."""
    if not CONTRACT_ID.fullmatch(contract_id):
        raise NotFound("Contract not found.")
    contract = await contract_by_id(session, contract_id, lock=lock)
    if contract is None:
        raise NotFound("Contract not found.")
    if user.id not in (contract.seller_id, contract.buyer_id):
        raise Unauthorized("Not a party of this contract.")
    return contract


def role_of(contract: Contract, user: PeachUser) -> str:
    return "seller" if user.id == contract.seller_id else "buyer"


def counterparty_id(contract: Contract, user: PeachUser) -> int:
    return contract.buyer_id if user.id == contract.seller_id else contract.seller_id


async def contracts_of(session: AsyncSession, user: PeachUser) -> list[Contract]:
    query = (
        select(Contract)
        .where(or_(Contract.seller_id == user.id, Contract.buyer_id == user.id))
        .order_by(Contract.created_at.desc(), Contract.id)
    )
    return list(await session.scalars(query))


def chat_active(contract: Contract) -> bool:
    """Open while the trade runs, and during a dispute (the contract's isChatActive)."""
    return not (contract.canceled or contract.trade_status == TradeStatus.TRADE_COMPLETED) or contract.dispute_active


class MessageCount(NamedTuple):
    total: int  # every message in the room (the contract's `messages`)
    unread: int  # from the counterparty, not marked read by the viewer (`unreadMessages`)


async def message_counts(session: AsyncSession, user_id: int, contract_ids: list[str]) -> dict[str, MessageCount]:
    """Per contract, in one query: all messages, and the counterparty's the user has not read."""
    counts = dict.fromkeys(contract_ids, MessageCount(0, 0))
    if not contract_ids:
        return counts
    unread = (PeachChatMessage.from_user_id != user_id) & PeachChatMessage.read_by_recipient.is_(False)
    rows = await session.execute(
        select(PeachChatMessage.contract_id, func.count(), func.count().filter(unread))
        .where(PeachChatMessage.contract_id.in_(contract_ids))
        .group_by(PeachChatMessage.contract_id)
    )
    for contract_id, total, not_read in rows:
        counts[contract_id] = MessageCount(int(total), int(not_read))
    return counts


async def contract_of_sell_offer(session: AsyncSession, sell_offer_id: int) -> str | None:
    """The id of the contract that took this sell offer, if any."""
    return await session.scalar(select(Contract.id).where(Contract.sell_offer_id == sell_offer_id))


async def existing_contract_id(session: AsyncSession, contract_id: str) -> str | None:
    return await session.scalar(select(Contract.id).where(Contract.id == contract_id))


async def batch_signed_for_update(session: AsyncSession) -> list[Contract]:
    """Contracts waiting for the batched release with their signed input, locked in id order."""
    query = (
        select(Contract)
        .where(Contract.trade_status == TradeStatus.PAYOUT_PENDING, Contract.batch_signed_input.is_not(None))
        .order_by(Contract.id)
        .with_for_update()
    )
    return list(await session.scalars(query))


# ---------------------------------------------------------------- escrows, parties, outcomes


async def escrow_for_update(session: AsyncSession, escrow_id: int | None) -> PeachEscrow | None:
    if escrow_id is None:
        return None  # a v069 buy-offer trade whose seller has no escrow yet
    return await session.scalar(select(PeachEscrow).where(PeachEscrow.id == escrow_id).with_for_update())


async def escrows_by_ids(session: AsyncSession, escrow_ids: list[int | None]) -> dict[int, PeachEscrow]:
    wanted = [i for i in escrow_ids if i is not None]
    return {e.id: e for e in await session.scalars(select(PeachEscrow).where(PeachEscrow.id.in_(wanted)))}


async def users_for_update(session: AsyncSession, user_ids: list[int]) -> dict[int, PeachUser]:
    """The users locked in id order, as history.record_trade_outcome locks them (no deadlock)."""
    rows = await session.scalars(
        select(PeachUser).where(PeachUser.id.in_(user_ids)).order_by(PeachUser.id).with_for_update()
    )
    return {u.id: u for u in rows}


async def outcome_id(session: AsyncSession, contract_id: str) -> int | None:
    """The id of the contract's recorded trade outcome, if any."""
    return await session.scalar(select(PeachTradeOutcome.id).where(PeachTradeOutcome.contract_id == contract_id))


# ---------------------------------------------------------------- matching


def blocked_either_way(a: Any, b: Any) -> Any:
    """SQL: a block row between users `a` and `b` in either direction."""
    return exists().where(
        or_(
            and_(PeachBlock.user_id == a, PeachBlock.blocked_id == b),
            and_(PeachBlock.user_id == b, PeachBlock.blocked_id == a),
        )
    )


async def is_blocked(session: AsyncSession, a: int, b: int) -> bool:
    """Whether users `a` and `b` blocked each other, in either direction."""
    return bool(await session.scalar(select(blocked_either_way(a, b))))


async def _page(session: AsyncSession, query: Any, page: int, size: int) -> tuple[list[PeachOffer], int]:
    """One page of `query` and the total (counted only when the page does not end the results)."""
    rows = list(await session.scalars(query.limit(size).offset(page * size)))
    if len(rows) < size and (rows or page == 0):
        return rows, page * size + len(rows)
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return rows, int(total or 0)


async def candidates(
    session: AsyncSession, buy: PeachOffer, page: int, size: int, order: list[Any] | None = None
) -> tuple[list[PeachOffer], int]:
    """Online sell offers a buy offer could match (its amount range, premium, reputation and
    methods; nobody blocked either way), in `order` (else lowest premium first): one page and the total."""
    conditions = [
        PeachOffer.online.is_(True),
        PeachOffer.type == "ask",
        PeachOffer.user_id != buy.user_id,
        PeachOffer.amount_max.between(buy.amount_min, buy.amount_max),
        ~blocked_either_way(PeachOffer.user_id, buy.user_id),
    ]
    if buy.max_premium_bp is not None:
        conditions.append(PeachOffer.premium_bp <= buy.max_premium_bp)
    if buy.min_reputation is not None:
        conditions.append(PeachOffer.rating_milli >= int(buy.min_reputation * 1000))
    pairs = [
        and_(PeachOfferMethod.currency == c, PeachOfferMethod.method.in_(ms)) for c, ms in buy.means_of_payment.items()
    ]
    conditions.append(exists().where(PeachOfferMethod.offer_id == PeachOffer.id, or_(*pairs)))
    query = select(PeachOffer).where(*conditions).order_by(*(order or [PeachOffer.premium_bp, PeachOffer.id]))
    return await _page(session, query, page, size)


async def matched_buyers(session: AsyncSession, sell: PeachOffer, page: int, size: int) -> tuple[list[PeachOffer], int]:
    """Online buy offers whose owners matched this sell offer (nobody blocked either way), oldest
    match first: one page and the total."""
    query = (
        select(PeachOffer)
        .join(PeachMatch, PeachMatch.buy_offer_id == PeachOffer.id)
        .where(
            PeachMatch.sell_offer_id == sell.id,
            PeachOffer.online.is_(True),
            ~blocked_either_way(PeachOffer.user_id, sell.user_id),
        )
        .order_by(PeachMatch.created_at, PeachOffer.id)
    )
    return await _page(session, query, page, size)


async def match_of(session: AsyncSession, buy_offer_id: int, sell_offer_id: int) -> PeachMatch | None:
    """The buyer's half for this pair of offers, if it matched."""
    return await session.scalar(
        select(PeachMatch).where(PeachMatch.buy_offer_id == buy_offer_id, PeachMatch.sell_offer_id == sell_offer_id)
    )


async def matches_between(
    session: AsyncSession, sell_offer_ids: list[int], buy_offer_ids: list[int]
) -> dict[tuple[int, int], PeachMatch]:
    """The matches among these offers, by (sell offer id, buy offer id)."""
    found = await session.scalars(
        select(PeachMatch).where(
            PeachMatch.sell_offer_id.in_(sell_offer_ids), PeachMatch.buy_offer_id.in_(buy_offer_ids)
        )
    )
    return {(m.sell_offer_id, m.buy_offer_id): m for m in found}


async def delete_match(session: AsyncSession, buy_offer_id: int, sell_offer_id: int) -> int:
    """Remove the buyer's half for this pair of offers; how many rows went (0 or 1)."""
    removed = await session.execute(
        delete(PeachMatch).where(PeachMatch.buy_offer_id == buy_offer_id, PeachMatch.sell_offer_id == sell_offer_id)
    )
    return int(getattr(removed, "rowcount", 0) or 0)


async def delete_other_matches(session: AsyncSession, buy_offer_id: int, sell_offer_id: int, keep_id: int) -> None:
    """Every match of either offer except `keep_id` (the one that became the contract)."""
    await session.execute(
        delete(PeachMatch).where(
            or_(PeachMatch.buy_offer_id == buy_offer_id, PeachMatch.sell_offer_id == sell_offer_id),
            PeachMatch.id != keep_id,
        )
    )


async def trade_requests_of(session: AsyncSession, contract_ids: list[str]) -> dict[str, PeachTradeRequest]:
    """The v069 trade requests (accepted, or taken at once) the contracts were made from."""
    if not contract_ids:
        return {}
    rows = await session.scalars(select(PeachTradeRequest).where(PeachTradeRequest.contract_id.in_(contract_ids)))
    return {row.contract_id: row for row in rows if row.contract_id is not None}


async def contract_of_sell_offer_for_update(session: AsyncSession, sell_offer_id: int) -> Contract | None:
    """The contract that took this sell offer, locked (a buy-offer trade waiting for its escrow)."""
    query = select(Contract).where(Contract.sell_offer_id == sell_offer_id).with_for_update()
    return (await session.scalars(query)).first()
