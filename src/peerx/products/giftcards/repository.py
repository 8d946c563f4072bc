"""Every query of the gift-card desk: rates, a merchant's trades and withdrawals (scoped to the
caller with `owned_by`), the rows the rules lock, and the operator reads the ops actions and views
call (they never touch the tables themselves)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import paginate
from peerx.core.errors import NotFound
from peerx.core.events import WebhookEndpoint
from peerx.core.parties import Caller, owned_by
from peerx.core.period import ALWAYS, Period
from peerx.products.giftcards.models import Rate, Trade, TradeStatus, Withdrawal

# ---------------------------------------------------------------- rates


async def rate_for_update(session: AsyncSession, card_type_id: int, country: str, currency: str) -> Rate | None:
    """The rate of one card in one country and currency, locked (rates are changed in place)."""
    return await session.scalar(
        select(Rate)
        .where(Rate.card_type_id == card_type_id, Rate.country == country, Rate.currency == currency)
        .with_for_update()
    )


_RATES = Rate.__table__.c
_ACTIVE_RATE = select(*_RATES).where(
    _RATES.card_type_id == bindparam("card_type_id"),
    _RATES.country == bindparam("country"),
    _RATES.currency == bindparam("currency"),
    _RATES.active,
)


async def active_rate(session: AsyncSession, card_type_id: int, country: str, currency: str) -> Row[Any] | None:
    """The rate a trade submission prices at, as a plain row (columns as attributes): read once
    per submission and never changed through it, so no ORM object is loaded for it."""
    found = await session.execute(
        _ACTIVE_RATE, {"card_type_id": card_type_id, "country": country, "currency": currency}
    )
    return found.first()


async def active_rates(session: AsyncSession) -> list[Rate]:
    return list(
        await session.scalars(select(Rate).where(Rate.active).order_by(Rate.card_type_id, Rate.country, Rate.id))
    )


async def all_rates(session: AsyncSession) -> list[Rate]:
    return list(await session.scalars(select(Rate).order_by(Rate.card_type_id, Rate.country, Rate.currency)))


async def rate_by_id(session: AsyncSession, rate_id: int) -> Rate:
    rate = await session.get(Rate, rate_id)
    if rate is None:
        raise NotFound(f"rate {rate_id} not found")
    return rate


async def active_endpoints(session: AsyncSession, caller: Caller, surface: str) -> list[WebhookEndpoint]:
    """The caller's enabled webhook endpoints on this surface, oldest first."""
    return list(
        await session.scalars(
            select(WebhookEndpoint)
            .where(
                owned_by(WebhookEndpoint, caller),
                WebhookEndpoint.surface == surface,
                WebhookEndpoint.disabled_at.is_(None),
            )
            .order_by(WebhookEndpoint.id)
        )
    )


# ---------------------------------------------------------------- trades


async def trade_of(session: AsyncSession, caller: Caller, reference: str) -> Trade:
    trade = await session.scalar(select(Trade).where(Trade.reference == reference, owned_by(Trade, caller)))
    if trade is None:
        raise NotFound("Trade not found.")
    return trade


async def trades_of(
    session: AsyncSession, caller: Caller, *, status: str | None, page: int, per_page: int
) -> tuple[list[Trade], int]:
    """One page of the caller's trades, newest first, and the total."""
    query = select(Trade).where(owned_by(Trade, caller))
    if status is not None:
        query = query.where(Trade.status == status)
    return await paginate(
        session, query.order_by(Trade.created_at.desc(), Trade.id.desc()), page=page, per_page=per_page
    )


async def pending_payout_total(session: AsyncSession, caller: Caller) -> int:
    """What the caller's trades under review would pay, in pesewas."""
    pending = await session.scalar(
        select(func.coalesce(func.sum(Trade.net_payout), 0)).where(
            owned_by(Trade, caller), Trade.status == TradeStatus.PENDING
        )
    )
    return int(pending or 0)


async def trade_by_id(session: AsyncSession, trade_id: int) -> Trade | None:
    return await session.get(Trade, trade_id)


async def trade_for_update(session: AsyncSession, reference: str) -> Trade | None:
    """The trade locked, re-read (another review may have just changed it)."""
    return await session.scalar(
        select(Trade).where(Trade.reference == reference).with_for_update().execution_options(populate_existing=True)
    )


async def trade_by_reference(session: AsyncSession, reference: str) -> Trade:
    trade = await session.scalar(select(Trade).where(Trade.reference == reference))
    if trade is None:
        raise NotFound(f"trade {reference} not found")
    return trade


async def search_trades(
    session: AsyncSession,
    *,
    status: str | None,
    search: str | None,
    oldest_first: bool,
    page: int,
    per_page: int,
    period: Period = ALWAYS,
) -> tuple[list[Trade], int]:
    """Every merchant's trades (submitted within `period`); `search` matches the reference, card
    name or card number's last 4."""
    query = period.apply(select(Trade), Trade.created_at)
    if status is not None:
        query = query.where(Trade.status == status)
    if search:
        text = search.strip()
        query = query.where(
            (Trade.reference == text.upper()) | Trade.card_name.ilike(f"%{text}%") | (Trade.card_number_last4 == text)
        )
    order = (Trade.created_at, Trade.id) if oldest_first else (Trade.created_at.desc(), Trade.id.desc())
    return await paginate(session, query.order_by(*order), page=page, per_page=per_page)


# ---------------------------------------------------------------- withdrawals


async def withdrawals_of(
    session: AsyncSession, caller: Caller, *, page: int, per_page: int
) -> tuple[list[Withdrawal], int]:
    """One page of the caller's withdrawals, newest first, and the total."""
    query = (
        select(Withdrawal)
        .where(owned_by(Withdrawal, caller))
        .order_by(Withdrawal.created_at.desc(), Withdrawal.id.desc())
    )
    return await paginate(session, query, page=page, per_page=per_page)


async def lock_withdrawal(session: AsyncSession, withdrawal_id: int) -> Withdrawal | None:
    """The withdrawal locked, re-read (the payout job and an operator may race for it)."""
    return await session.scalar(
        select(Withdrawal)
        .where(Withdrawal.id == withdrawal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def withdrawal_for_update(session: AsyncSession, reference: str) -> Withdrawal | None:
    return await session.scalar(select(Withdrawal).where(Withdrawal.reference == reference).with_for_update())


# ---------------------------------------------------------------- operator reads


async def withdrawals_page(
    session: AsyncSession,
    *,
    status: str | None = None,
    livemode: bool | None = None,
    page: int,
    per_page: int,
    period: Period = ALWAYS,
) -> tuple[list[Withdrawal], int]:
    """One page of withdrawals (requested within `period`), newest first, and the total count."""
    query = period.apply(select(Withdrawal), Withdrawal.created_at)
    if status is not None:
        query = query.where(Withdrawal.status == status)
    if livemode is not None:
        query = query.where(Withdrawal.livemode == livemode)
    return await paginate(session, query.order_by(Withdrawal.id.desc()), page=page, per_page=per_page)


async def withdrawal_status_counts(session: AsyncSession, *, livemode: bool | None = None) -> dict[str, int]:
    """How many withdrawals are in each status (statuses with none are absent)."""
    query = select(Withdrawal.status, func.count()).group_by(Withdrawal.status)
    if livemode is not None:
        query = query.where(Withdrawal.livemode == livemode)
    return {status: int(count) for status, count in (await session.execute(query)).all()}


async def withdrawal_by_reference(session: AsyncSession, reference: str) -> Withdrawal | None:
    return await session.scalar(select(Withdrawal).where(Withdrawal.reference == reference))
