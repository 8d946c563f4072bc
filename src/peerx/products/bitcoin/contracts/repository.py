"""Loading contracts for one of their parties. Lock order everywhere in part 2: contract, then
its sell offer, then the escrow (part 1 locks offer then escrow), so no two paths deadlock."""

from __future__ import annotations

import re
from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import NotFound, Unauthorized
from peerx.products.bitcoin.models import Contract, PeachChatMessage, PeachUser, TradeStatus

CONTRACT_ID = re.compile(r"[1-9][0-9]{0,18}-[1-9][0-9]{0,18}")


def contract_id(sell_offer_id: int, buy_offer_id: int) -> str:
    return f"{sell_offer_id}-{buy_offer_id}"


async def contract_for_party(
    session: AsyncSession, contract_id: str, user: PeachUser, *, lock: bool = False
) -> Contract:
    """The contract if `user` is its buyer or seller: NOT_FOUND for an unknown id,
    UNAUTHORIZED for somebody else's contract."""
    if not CONTRACT_ID.fullmatch(contract_id):
        raise NotFound("Contract not found.")
    query = select(Contract).where(Contract.id == contract_id)
    contract = await session.scalar(query.with_for_update() if lock else query)
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
