"""Every query of the social capability: a contract's chat (the parties' keys, a page of
messages, the count, marking messages read) and the ratings a user received. Plain functions
over the session; the rules (who may read or write, the PGP checks) stay in chat.py and
ratings.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import dialect_insert
from peerx.products.bitcoin.models import PeachChatMessage, PeachPgpKey, PeachPlatformKey, PeachRating, PeachUser

# ---------------------------------------------------------------- chat


async def party_keys(session: AsyncSession, seller_id: int, buyer_id: int) -> dict[int, str]:
    """The public keys of a contract's two parties, by user id."""
    rows = await session.execute(
        select(PeachUser.id, PeachUser.public_key).where(PeachUser.id.in_([seller_id, buyer_id]))
    )
    return {user_id: public_key for user_id, public_key in rows}


async def pgp_keys(session: AsyncSession, public_keys: list[str]) -> dict[str, list[str]]:
    """Every PGP public key each user proved, by their account key: a message signed before a
    user set a new key still verifies."""
    accounts = PeachUser.public_key.in_(set(public_keys))
    found: dict[str, list[str]] = {}
    current = await session.execute(select(PeachUser.public_key, PeachUser.pgp_public_key).where(accounts))
    proved = await session.execute(
        select(PeachUser.public_key, PeachPgpKey.public_key)
        .join(PeachPgpKey, PeachPgpKey.user_id == PeachUser.id)
        .where(accounts)
        .order_by(PeachPgpKey.id)
    )
    for account, pgp in [*current, *proved]:
        if pgp and pgp not in found.setdefault(account, []):
            found[account].append(pgp)
    return found


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


async def unread_at(session: AsyncSession, contract_id: str, reader_id: int, start: int, count: int) -> list[int]:
    """The ids of the messages at room positions start..start + count - 1 (oldest first, from 0)
    that the reader did not send and has not read yet."""
    in_range = (
        select(PeachChatMessage.id)
        .where(PeachChatMessage.contract_id == contract_id)
        .order_by(PeachChatMessage.id)
        .offset(start)
        .limit(count)
        .subquery()
    )
    rows = await session.scalars(
        select(PeachChatMessage.id)
        .where(
            PeachChatMessage.id.in_(select(in_range.c.id)),
            PeachChatMessage.from_user_id != reader_id,
            PeachChatMessage.read_by_recipient.is_(False),
        )
        .order_by(PeachChatMessage.id)
    )
    return list(rows)


async def unread_between(
    session: AsyncSession, contract_id: str, reader_id: int, start: datetime, until: datetime, limit: int
) -> list[int]:
    """The ids of the unread messages to the reader sent at start <= date < until (at most `limit`)."""
    rows = await session.scalars(
        select(PeachChatMessage.id)
        .where(
            PeachChatMessage.contract_id == contract_id,
            PeachChatMessage.from_user_id != reader_id,
            PeachChatMessage.read_by_recipient.is_(False),
            PeachChatMessage.created_at >= start,
            PeachChatMessage.created_at < until,
        )
        .order_by(PeachChatMessage.id)
        .limit(limit)
    )
    return list(rows)


async def set_read(session: AsyncSession, ids: list[int]) -> None:
    await session.execute(update(PeachChatMessage).where(PeachChatMessage.id.in_(ids)).values(read_by_recipient=True))


async def messages_by_id(session: AsyncSession, ids: list[int]) -> list[PeachChatMessage]:
    rows = await session.scalars(
        select(PeachChatMessage)
        .where(PeachChatMessage.id.in_(ids))
        .order_by(PeachChatMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


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


# ---------------------------------------------------------------- the platform's PGP key


async def platform_key(session: AsyncSession, name: str) -> PeachPlatformKey | None:
    return await session.get(PeachPlatformKey, name, populate_existing=True)


async def add_platform_key_once(
    session: AsyncSession, name: str, public_key: str, secret_key_encrypted: str, now: datetime
) -> None:
    """Insert the key pair unless a racing server inserted one first (then theirs stays)."""
    values = {"name": name, "public_key": public_key, "secret_key_encrypted": secret_key_encrypted, "created_at": now}
    insert = dialect_insert(session)
    await session.execute(insert(PeachPlatformKey).values(**values).on_conflict_do_nothing(index_elements=["name"]))
