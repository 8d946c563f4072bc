"""Operator reads of gift-card withdrawals: the queries the ops views call (they never touch the
tables themselves)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import paginate
from peerx.products.giftcards.models import Withdrawal


async def withdrawals_page(
    session: AsyncSession,
    *,
    status: str | None = None,
    livemode: bool | None = None,
    page: int,
    per_page: int,
) -> tuple[list[Withdrawal], int]:
    """One page of withdrawals, newest first, and the total count."""
    query = select(Withdrawal)
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
