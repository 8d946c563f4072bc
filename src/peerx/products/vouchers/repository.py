"""Operator reads of vouchers and their orders: the queries the ops views call (they never touch
the tables themselves). An active voucher past its expiry counts as expired, as the product reads it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import paginate
from peerx.products.vouchers.models import Voucher, VoucherOrder, VoucherStatus


def _effective(status: str, now: datetime) -> ColumnElement[bool]:
    """The SQL twin of service.effective_status(voucher) == status."""
    past_due = and_(Voucher.status == VoucherStatus.ACTIVE, Voucher.expires_at <= now)
    if status == VoucherStatus.ACTIVE:
        return and_(Voucher.status == VoucherStatus.ACTIVE, Voucher.expires_at > now)
    if status == VoucherStatus.EXPIRED:
        return or_(Voucher.status == VoucherStatus.EXPIRED, past_due)
    return Voucher.status == status


async def orders_page(
    session: AsyncSession,
    *,
    now: datetime,
    status: str | None = None,
    livemode: bool | None = None,
    party_id: int | None = None,
    page: int,
    per_page: int,
) -> tuple[list[VoucherOrder], int]:
    """One page of orders, newest first, and the total; `status` keeps orders holding at least one
    voucher in that (effective) status."""
    query = select(VoucherOrder)
    if status is not None:
        holding = select(Voucher.order_pk).where(_effective(status, now))
        query = query.where(VoucherOrder.id.in_(holding))
    if livemode is not None:
        query = query.where(VoucherOrder.livemode == livemode)
    if party_id is not None:
        query = query.where(VoucherOrder.party_id == party_id)
    return await paginate(session, query.order_by(VoucherOrder.id.desc()), page=page, per_page=per_page)


async def status_counts_by_order(
    session: AsyncSession, order_ids: list[str], now: datetime
) -> list[tuple[str, str, int]]:
    """(order_id, effective status, count) for the vouchers of these orders."""
    if not order_ids:
        return []
    past_due = and_(Voucher.status == VoucherStatus.ACTIVE, Voucher.expires_at <= now)
    rows = await session.execute(
        select(VoucherOrder.order_id, Voucher.status, past_due, func.count())
        .join(VoucherOrder, VoucherOrder.id == Voucher.order_pk)
        .where(VoucherOrder.order_id.in_(order_ids))
        .group_by(VoucherOrder.order_id, Voucher.status, past_due)
    )
    return [
        (order_id, VoucherStatus.EXPIRED if expired else status, int(count))
        for order_id, status, expired, count in rows
    ]


async def vouchers_page(
    session: AsyncSession,
    *,
    now: datetime,
    status: str | None = None,
    livemode: bool | None = None,
    page: int,
    per_page: int,
) -> tuple[list[tuple[Voucher, str]], int]:
    """One page of vouchers, newest first, each with its order's order_id, and the total."""
    query = select(Voucher).join(VoucherOrder, VoucherOrder.id == Voucher.order_pk)
    if status is not None:
        query = query.where(_effective(status, now))
    if livemode is not None:
        query = query.where(Voucher.livemode == livemode)
    found, total = await paginate(session, query.order_by(Voucher.id.desc()), page=page, per_page=per_page)
    pks = {voucher.order_pk for voucher in found}
    order_ids = dict(
        (await session.execute(select(VoucherOrder.id, VoucherOrder.order_id).where(VoucherOrder.id.in_(pks)))).all()
    )
    return [(voucher, order_ids[voucher.order_pk]) for voucher in found], total
