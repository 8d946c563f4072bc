"""Referral codes and bonus points. A user who set someone's code earns that referrer bonus
points on every completed trade: one point per 10,000 sats traded (the document's example:
21,000,000 sats referred = 2,100 points). Points buy a custom code or five free trades."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin import repository as shared
from peerx.products.bitcoin.identity import repository, reputation
from peerx.products.bitcoin.models import Contract, PeachReferralCode, PeachTradeOutcome, PeachUser

REFERRAL = re.compile(r"^[A-Z0-9]{1,16}$")
SATS_PER_POINT = 10_000
FREE_TRADES_PER_REDEMPTION = 5
REDEEM_CODE_COST, REDEEM_FREE_TRADES_COST = 100, 50


async def owner_of(session: AsyncSession, code: str) -> PeachUser | None:
    code = code.upper()
    owner = await repository.user_with_code(session, code)
    if owner is not None:
        return owner
    old = await repository.old_code(session, code)
    return None if old is None else await shared.user(session, old.user_id)


async def code_exists(session: AsyncSession, code: str) -> bool:
    return await owner_of(session, code) is not None


async def use_code(session: AsyncSession, user: PeachUser, code: str) -> None:
    """PATCH user: set the code of the user who referred this one (once)."""
    if user.used_referral_code is not None:
        raise f.FormInvalid("referralCode", "was already set")
    owner = await owner_of(session, code)
    if owner is None or owner.id == user.id:
        raise f.FormInvalid("referralCode", "is not a valid referral code")
    user.used_referral_code = code.upper()


async def redeem_code(session: AsyncSession, user: PeachUser, code: str) -> int:
    """Spend points on a custom code; the previous code keeps referring to this user."""
    if not REFERRAL.match(code.upper()):
        raise f.FormInvalid("code", "must be 1 to 16 letters and digits")
    locked = await _locked(session, user)
    if locked.bonus_points < REDEEM_CODE_COST:
        raise f.NotEnoughPoints(f"Redeeming needs {REDEEM_CODE_COST} bonus points.")
    if await code_exists(session, code):
        raise f.Duplicate("This referral code is taken.")
    try:  # two users racing for one code: the unique code decides
        async with session.begin_nested():
            session.add(PeachReferralCode(code=locked.referral_code, user_id=locked.id, created_at=utcnow()))
            locked.bonus_points -= REDEEM_CODE_COST
            locked.referral_code = code.upper()
            locked.updated_at = utcnow()
    except IntegrityError:
        raise f.Duplicate("This referral code is taken.") from None
    return locked.bonus_points


async def redeem_free_trades(session: AsyncSession, user: PeachUser) -> int:
    locked = await _locked(session, user)
    if locked.bonus_points < REDEEM_FREE_TRADES_COST:
        raise f.NotEnoughPoints(f"Redeeming needs {REDEEM_FREE_TRADES_COST} bonus points.")
    locked.bonus_points -= REDEEM_FREE_TRADES_COST
    locked.updated_at = utcnow()
    rep = await reputation.reputation_of(session, locked.id)
    rep.free_trades += FREE_TRADES_PER_REDEMPTION
    rep.max_free_trades += FREE_TRADES_PER_REDEMPTION
    await session.flush()
    return locked.bonus_points


async def spend_free_trade(session: AsyncSession, buyer_id: int) -> bool:
    """Waive a new contract's escrow fee with one of the buyer's free trades, if it has one. The
    caller holds the buyer's row lock (matching locks both parties)."""
    rep = await reputation.reputation_of(session, buyer_id)
    if rep.free_trades <= 0:
        return False
    rep.free_trades -= 1
    return True


async def return_free_trade(session: AsyncSession, contract: Contract) -> None:
    """A trade that did not complete charged no fee: its free trade goes back to the buyer."""
    if contract.free_trade:
        rep = await reputation.reputation_of(session, contract.buyer_id)
        rep.free_trades += 1


async def _locked(session: AsyncSession, user: PeachUser) -> PeachUser:
    """Points are spent under the user's row lock: two redemptions cannot spend them twice."""
    await repository.lock_user(session, user.id)
    await session.refresh(user, ["bonus_points", "referral_code"])  # the values under the lock
    return user


async def referrers(session: AsyncSession, party_ids: list[int]) -> dict[int, int]:
    """The referrer of each party that used somebody's code: party id -> referrer id."""
    found: dict[int, int] = {}
    for party in await repository.users_by_ids(session, party_ids):
        referrer = None if party.used_referral_code is None else await owner_of(session, party.used_referral_code)
        if referrer is not None and referrer.id != party.id:
            found[party.id] = referrer.id
    return found


async def credit_referred_trade(session: AsyncSession, outcome: PeachTradeOutcome, by_party: dict[int, int]) -> None:
    """Credit the referrers (`by_party`, already locked) of both parties of a completed trade.
    Points follow the running total of referred sats, so no remainder below 10,000 is lost."""
    for party_id in (outcome.seller_id, outcome.buyer_id):
        referrer_id = by_party.get(party_id)
        if referrer_id is None:
            continue
        referrer = await shared.user(session, referrer_id)
        assert referrer is not None
        await session.refresh(referrer, ["bonus_points"])
        rep = await reputation.reputation_of(session, referrer_id)
        before = rep.referred_trading_amount
        rep.referred_trading_amount = before + outcome.amount
        referrer.bonus_points += rep.referred_trading_amount // SATS_PER_POINT - before // SATS_PER_POINT
        await session.flush()
        await reputation.recompute(session, referrer_id)  # the ambassador medal
