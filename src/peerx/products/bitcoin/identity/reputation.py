"""Reputation computed from real history: ratings received and finished trades (the formulas
are in docs/bitcoin.md, "Reputation"). Everything is recomputed from the rows on each change,
so a retried or concurrent writer cannot drift a counter."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.jobs import JobContext, enqueue
from peerx.platform import Platform
from peerx.products.bitcoin import repository as shared
from peerx.products.bitcoin.identity import repository
from peerx.products.bitcoin.identity.profiles import public_view, self_view
from peerx.products.bitcoin.identity.schemas import PublicUser, SelfUser
from peerx.products.bitcoin.models import (
    PeachJob,
    PeachReputation,
    PeachUser,
)

RECENT = 10  # recentRating: the last ten ratings received
SUPER_TRADER_TRADES, SUPER_TRADER_RATING = 50, 900  # thousandths
AMBASSADOR_REFERRED = 3  # referred users with at least one completed trade


def _ratio(good: int, bad: int) -> int:
    """(good - bad) / (good + bad) in thousandths: -1000..1000, 0 without data."""
    return _div(1000 * (good - bad), good + bad)


def _div(numerator: int, denominator: int) -> int:
    """Integer division rounding toward zero (// floors), 0 when there is nothing to divide."""
    if denominator == 0:
        return 0
    quotient = abs(numerator) // denominator
    return quotient if numerator >= 0 else -quotient


async def reputation_of(session: AsyncSession, user_id: int) -> PeachReputation:
    row = await repository.stored_reputation(session, user_id)
    if row is None:
        row = PeachReputation(
            user_id=user_id,
            peach_rating_milli=0,
            user_rating_milli=0,
            history_rating_milli=0,
            recent_rating_milli=0,
            medals=[],
            disputes_opened=0,
            disputes_won=0,
            disputes_lost=0,
            referred_trading_amount=0,
            free_trades=0,
            max_free_trades=0,
            updated_at=utcnow(),
        )
        session.add(row)
        await session.flush()
    return row


async def reputations(session: AsyncSession, user_ids: list[int]) -> dict[int, PeachReputation]:
    """Stored reputations of several users (views of a list of profiles read them at once)."""
    if not user_ids:
        return {}
    return await repository.reputations(session, user_ids)


async def profiles(session: AsyncSession, user_ids: list[int]) -> dict[int, PublicUser]:
    """Public profiles (profiles.public_view with the stored reputation) of several users, by id,
    in two queries: every list of profiles (matches, offers, contracts) reads them this way."""
    if not user_ids:
        return {}
    reps = await reputations(session, user_ids)
    keys = await repository.pgp_keys(session, user_ids)
    rows = await repository.users_by_ids(session, user_ids)
    return {user.id: public_view(user, reps.get(user.id), keys.get(user.id, [])) for user in rows}


async def public_profile(session: AsyncSession, user: PeachUser) -> PublicUser:
    """user/:id: one profile with its reputation and PGP keys."""
    keys = (await repository.pgp_keys(session, [user.id])).get(user.id, [])
    return public_view(user, await repository.stored_reputation(session, user.id), keys)


async def self_profile(session: AsyncSession, user: PeachUser) -> SelfUser:
    """user/me: the caller's own view with its reputation and PGP keys."""
    keys = (await repository.pgp_keys(session, [user.id])).get(user.id, [])
    return self_view(user, await repository.stored_reputation(session, user.id), keys)


async def referred_traders(session: AsyncSession, user: PeachUser) -> int:
    """How many users who used one of `user`'s codes completed at least one trade."""
    old = await repository.old_codes_of(session, user.id)
    codes = [user.referral_code, *old]  # a redeemed-away code keeps referring to its owner
    return await repository.referred_traders(session, codes)


async def recompute(session: AsyncSession, user_id: int) -> PeachReputation:
    """Rewrite a user's reputation from its ratings and trades, and its search copy on offers."""
    await repository.lock_user(session, user_id)
    user = await shared.user(session, user_id)
    assert user is not None
    positive, negative, recent_pos, recent_neg = await repository.rating_counts(session, user_id, RECENT)
    completed, good, opened, won, lost = await repository.trade_history(session, user_id)
    row = await reputation_of(session, user_id)
    row.user_rating_milli = _ratio(positive, negative)
    row.recent_rating_milli = _ratio(recent_pos, recent_neg)
    row.history_rating_milli = _ratio(good, lost)  # a lost dispute is the one bad trade
    # Peach's own view: what happened, weighed with what counterparties said.
    row.peach_rating_milli = _div(row.history_rating_milli + row.user_rating_milli, 2)
    row.disputes_opened, row.disputes_won, row.disputes_lost = opened, won, lost
    medals: list[str] = []
    rating_milli = _overall(row, positive + negative)
    if completed >= SUPER_TRADER_TRADES and rating_milli >= SUPER_TRADER_RATING:
        medals.append("superTrader")
    if await referred_traders(session, user) >= AMBASSADOR_REFERRED:
        medals.append("ambassador")
    row.medals = medals
    row.updated_at = utcnow()
    user.trades = completed
    # The caller's step may hold one of the user's offers (a release): offers follow after commit.
    await set_reputation(session, user, rating_milli, positive + negative, offers_after_commit=True)
    return row


def _overall(row: PeachReputation, rating_count: int) -> int:
    """`rating`: the mean of userRating, recentRating and historyRating, counting the user's
    ratings twice; only the history when nobody rated the user yet."""
    if rating_count == 0:
        return row.history_rating_milli
    total = 2 * row.user_rating_milli + row.recent_rating_milli + row.history_rating_milli
    return max(-1000, min(1000, _div(total, 4)))


async def set_reputation(
    session: AsyncSession, user: PeachUser, rating_milli: int, rating_count: int, *, offers_after_commit: bool = False
) -> None:
    """The one writer of a user's reputation: search orders offers by the copy on each offer
    row, so the user and all of its offers change in the same transaction. A trade step that
    already holds one of the user's offers (a release, a cancel) passes offers_after_commit: a
    job copies the value right after the commit, since rewriting every offer here would deadlock
    with a concurrent step of the same user holding another of its offers."""
    if not -1000 <= rating_milli <= 1000 or rating_count < 0:
        raise ValueError("reputation must be -1000..1000 thousandths and a count >= 0")
    user.rating_milli, user.rating_count, user.updated_at = rating_milli, rating_count, utcnow()
    await session.flush()
    if offers_after_commit:
        await enqueue(session, PeachJob.COPY_REPUTATION, {"userId": user.id})
    else:
        await repository.copy_rating_to_offers(session, user.id)


async def copy_reputation_job(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as session:
        await repository.copy_rating_to_offers(session, int(payload["userId"]))
