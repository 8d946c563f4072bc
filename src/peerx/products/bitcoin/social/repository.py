"""Every query of the social capability: a contract's chat (the parties' keys, a page of
messages, the count, marking messages read) and the ratings a user received. Plain functions
over the session; the rules (who may read or write, the PGP checks) stay in chat.py and
ratings.py."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.products.bitcoin.models import PeachChatMessage, PeachRating, PeachUser

# ---------------------------------------------------------------- chat


async def party_keys(session: AsyncSession, seller_id: int, buyer_id: int) -> dict[int, str]:
    """The public keys of a contract's two parties, by user id."""
    rows = await session.execute(
        select(PeachUser.id, PeachUser.public_key).where(PeachUser.id.in_([seller_id, buyer_id]))
    )
    return {user_id: public_key for user_id, public_key in rows}


async def latest_messages(session: AsyncSession, contract_id: str, offset: int, limit: int) -> list[PeachChatMessage]:
    """The room's messages newest first, from `offset` on, at most `limit`."""
    latest = (
        select(PeachChatMessage)
        .where(PeachChatMessage.contract_id == contract_id)
        .order_by(PeachChatMessage.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(await session.scalars(latest))


async def message_count(session: AsyncSession, contract_id: str) -> int:
    total = await session.scalar(
        select(func.count()).select_from(PeachChatMessage).where(PeachChatMessage.contract_id == contract_id)
    )
    return int(total or 0)


async def mark_read(session: AsyncSession, contract_id: str, reader_id: int, start: int, count: int) -> None:
    """The messages at room positions start..start + count - 1 (oldest first, from 0) that the
    reader did not send are read by their recipient."""
    in_range = (
        select(PeachChatMessage.id)
        .where(PeachChatMessage.contract_id == contract_id)
        .order_by(PeachChatMessage.id)
        .offset(start)
        .limit(count)
        .scalar_subquery()
    )
    await session.execute(
        update(PeachChatMessage)
        .where(PeachChatMessage.id.in_(in_range), PeachChatMessage.from_user_id != reader_id)
        .values(read_by_recipient=True)
    )


# ---------------------------------------------------------------- ratings


async def ratings_received(session: AsyncSession, user_id: int, limit: int) -> list[tuple[PeachRating, str]]:
    """The latest `limit` ratings the user received, newest first, with each rater's public key."""
    rows = await session.execute(
        select(PeachRating, PeachUser.public_key)
        .join(PeachUser, PeachUser.id == PeachRating.rater_id)
        .where(PeachRating.rated_id == user_id)
        .order_by(PeachRating.id.desc())
        .limit(limit)
    )
    return [(rating, rater) for rating, rater in rows]
