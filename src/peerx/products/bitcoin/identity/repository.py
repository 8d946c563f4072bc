"""Every query of the identity capability: users (by id, public key, token, referral code), the
user's row lock, tokens, PGP keys, trades between two users, blocks, payment hashes, referral
codes, stored reputations, and the aggregates reputation is computed from (ratings received,
trade outcomes, referred traders).
Plain functions over the session; the rules (errors, formulas, points) stay in users.py,
reputation.py and referrals.py."""

from __future__ import annotations

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from peerx.core.db import utcnow
from peerx.products.bitcoin.models import (
    PeachBlock,
    PeachOffer,
    PeachPaymentHash,
    PeachPgpKey,
    PeachRating,
    PeachReferralCode,
    PeachReputation,
    PeachToken,
    PeachTradeOutcome,
    PeachUser,
)

# ---------------------------------------------------------------- users


async def lock_user(session: AsyncSession, user_id: int) -> None:
    """Row-lock a user (PostgreSQL; SQLite has one writer): writers of a user's points and
    reputation take their turn. Locks only, so the caller's unflushed changes stay. FOR NO KEY
    UPDATE: rows inserted elsewhere that reference the user (key-share locks) do not wait on it."""
    await session.execute(select(PeachUser.id).where(PeachUser.id == user_id).with_for_update(key_share=True))


async def users_by_ids(session: AsyncSession, user_ids: list[int]) -> list[PeachUser]:
    return list(await session.scalars(select(PeachUser).where(PeachUser.id.in_(user_ids))))


async def user_by_public_key(session: AsyncSession, public_key_hex: str) -> PeachUser | None:
    """The user of this public key (hex, as stored: lower case)."""
    return await session.scalar(select(PeachUser).where(PeachUser.public_key == public_key_hex))


async def user_with_code(session: AsyncSession, code: str) -> PeachUser | None:
    """The user whose current referral code this is."""
    return await session.scalar(select(PeachUser).where(PeachUser.referral_code == code))


async def user_id_with_code(session: AsyncSession, code: str) -> int | None:
    return await session.scalar(select(PeachUser.id).where(PeachUser.referral_code == code))


async def clear_push_token(session: AsyncSession, user_id: int, fcm_token: str) -> None:
    """Forget the user's push token, only if it is still `fcm_token` (not one registered since)."""
    await session.execute(
        update(PeachUser)
        .where(PeachUser.id == user_id, PeachUser.fcm_token == fcm_token)
        .values(fcm_token=None, updated_at=utcnow())
    )


# ---------------------------------------------------------------- tokens


async def token(session: AsyncSession, token_hash: str) -> PeachToken | None:
    return await session.scalar(select(PeachToken).where(PeachToken.token_hash == token_hash))


async def delete_tokens(session: AsyncSession, user_id: int) -> None:
    """End every token of the user."""
    await session.execute(delete(PeachToken).where(PeachToken.user_id == user_id))


# ---------------------------------------------------------------- PGP keys


async def pgp_key(session: AsyncSession, user_id: int, key_hash: str) -> PeachPgpKey | None:
    return await session.scalar(
        select(PeachPgpKey).where(PeachPgpKey.user_id == user_id, PeachPgpKey.key_hash == key_hash)
    )


async def pgp_keys(session: AsyncSession, user_ids: list[int]) -> dict[int, list[PeachPgpKey]]:
    """Every PGP key each of these users proved, oldest first."""
    found: dict[int, list[PeachPgpKey]] = {}
    rows = await session.scalars(
        select(PeachPgpKey).where(PeachPgpKey.user_id.in_(user_ids)).order_by(PeachPgpKey.user_id, PeachPgpKey.id)
    )
    for row in rows:
        found.setdefault(row.user_id, []).append(row)
    return found


# ---------------------------------------------------------------- trades between two users


def _between(user_id: int, other_id: int) -> ColumnElement[bool]:
    """A trade outcome of these two users, either selling."""
    T = PeachTradeOutcome
    return or_(
        and_(T.seller_id == user_id, T.buyer_id == other_id), and_(T.seller_id == other_id, T.buyer_id == user_id)
    )


async def trades_between(session: AsyncSession, user_id: int, other_id: int) -> int:
    """Completed trades of these two users with each other."""
    T = PeachTradeOutcome
    found = await session.scalar(
        select(func.count()).where(
            T.completed,
            _between(user_id, other_id),
        )
    )
    return int(found or 0)


async def bad_experiences(session: AsyncSession, user_id: int, other_id: int) -> int:
    """How often `user_id` fared badly with `other_id`: rated them negatively, or won a dispute
    against them in a trade of theirs."""
    T = PeachTradeOutcome
    rated = await session.scalar(
        select(func.count()).where(
            PeachRating.rater_id == user_id, PeachRating.rated_id == other_id, PeachRating.rating < 0
        )
    )
    lost = await session.scalar(
        select(func.count()).where(
            T.dispute_loser_id == other_id,
            _between(user_id, other_id),
        )
    )
    return int(rated or 0) + int(lost or 0)


# ---------------------------------------------------------------- blocks, payment hashes


async def block(session: AsyncSession, user_id: int, blocked_id: int) -> PeachBlock | None:
    """The block `user_id` set on `blocked_id`, if any."""
    return await session.scalar(
        select(PeachBlock).where(PeachBlock.user_id == user_id, PeachBlock.blocked_id == blocked_id)
    )


async def block_count(session: AsyncSession, user_id: int, blocked_id: int) -> int:
    """How many blocks `user_id` set on `blocked_id` (0 or 1)."""
    found = await session.scalar(
        select(func.count()).where(PeachBlock.user_id == user_id, PeachBlock.blocked_id == blocked_id)
    )
    return int(found or 0)


async def delete_payment_hashes(session: AsyncSession, user_id: int, hashes: list[str]) -> None:
    """Release these payment data hashes of the user (others' hashes are left alone)."""
    await session.execute(
        delete(PeachPaymentHash).where(PeachPaymentHash.user_id == user_id, PeachPaymentHash.hash.in_(hashes))
    )


# ---------------------------------------------------------------- referral codes


async def old_code(session: AsyncSession, code: str) -> PeachReferralCode | None:
    """A code its owner redeemed away (it keeps referring to that owner)."""
    return await session.get(PeachReferralCode, code)


async def old_codes_of(session: AsyncSession, user_id: int) -> list[str]:
    return list(await session.scalars(select(PeachReferralCode.code).where(PeachReferralCode.user_id == user_id)))


async def referred_traders(session: AsyncSession, codes: list[str]) -> int:
    """How many users who used one of these codes completed at least one trade."""
    T = PeachTradeOutcome
    traded = select(T.seller_id.label("uid")).where(T.completed).union(select(T.buyer_id).where(T.completed))
    found = await session.scalar(
        select(func.count(PeachUser.id)).where(
            PeachUser.used_referral_code.in_(codes), PeachUser.id.in_(select(traded.subquery().c.uid))
        )
    )
    return int(found or 0)


# ---------------------------------------------------------------- reputation


async def stored_reputation(session: AsyncSession, user_id: int) -> PeachReputation | None:
    return await session.get(PeachReputation, user_id)


async def reputations(session: AsyncSession, user_ids: list[int]) -> dict[int, PeachReputation]:
    rows = await session.scalars(select(PeachReputation).where(PeachReputation.user_id.in_(user_ids)))
    return {row.user_id: row for row in rows}


async def rating_counts(session: AsyncSession, user_id: int, recent: int) -> tuple[int, int, int, int]:
    """(positive, negative) over all ratings the user received and over the `recent` last ones."""
    totals = (
        await session.execute(
            select(
                func.count().filter(PeachRating.rating > 0),
                func.count().filter(PeachRating.rating < 0),
            ).where(PeachRating.rated_id == user_id)
        )
    ).one()
    last = (
        select(PeachRating.rating)
        .where(PeachRating.rated_id == user_id)
        .order_by(PeachRating.id.desc())
        .limit(recent)
        .subquery()
    )
    recent_row = (
        await session.execute(
            select(
                func.count().filter(last.c.rating > 0),
                func.count().filter(last.c.rating < 0),
            )
        )
    ).one()
    return int(totals[0]), int(totals[1]), int(recent_row[0]), int(recent_row[1])


async def trade_history(session: AsyncSession, user_id: int) -> tuple[int, int, int, int, int]:
    """(completed trades, good trades, disputes opened, won, lost) of a user. A good trade went
    the user's way: completed without a dispute lost, or a dispute won."""
    T = PeachTradeOutcome
    not_lost = or_(T.dispute_loser_id.is_(None), T.dispute_loser_id != user_id)
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(case((T.completed, 1), else_=0)), 0),
                func.coalesce(
                    func.sum(case((and_(or_(T.completed, T.dispute_winner_id == user_id), not_lost), 1), else_=0)), 0
                ),
                func.coalesce(func.sum(case((T.dispute_opened_by_id == user_id, 1), else_=0)), 0),
                func.coalesce(func.sum(case((T.dispute_winner_id == user_id, 1), else_=0)), 0),
                func.coalesce(func.sum(case((T.dispute_loser_id == user_id, 1), else_=0)), 0),
            ).where(or_(T.seller_id == user_id, T.buyer_id == user_id))
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4])


async def copy_rating_to_offers(session: AsyncSession, user_id: int) -> None:
    """The user's offers locked in id order first, then the user's current rating read and
    written on those that differ: a later copy never writes an older value over a newer one,
    and two copies never deadlock."""
    await session.execute(
        select(PeachOffer.id).where(PeachOffer.user_id == user_id).order_by(PeachOffer.id).with_for_update()
    )
    value = await session.scalar(select(PeachUser.rating_milli).where(PeachUser.id == user_id))
    await session.execute(
        update(PeachOffer)
        .where(PeachOffer.user_id == user_id, PeachOffer.rating_milli != value)
        .values(rating_milli=value)
        .execution_options(synchronize_session="fetch")
    )
