"""Every query of the voucher desk: orders and their vouchers (a vendor's own, scoped with
`owned_by`, or any for operators and receipts), the rows the rules lock, code uniqueness, and the
operator reads the ops actions and views call (they never touch the tables themselves). An active
voucher past its expiry counts as expired, as the product reads it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import paginate
from peerx.core.errors import NotFound
from peerx.core.parties import Caller, owned_by
from peerx.core.period import ALWAYS, Period
from peerx.products.vouchers.models import Voucher, VoucherOrder, VoucherStatus

# ---------------------------------------------------------------- orders and vouchers


async def order_id_taken(session: AsyncSession, order_id: str) -> bool:
    return await session.scalar(select(VoucherOrder.id).where(VoucherOrder.order_id == order_id)) is not None


async def taken_code_hashes(session: AsyncSession, code_hashes: Collection[str]) -> set[str]:
    """Which of these code hashes some voucher (live, test, settled or not) already has."""
    return set(await session.scalars(select(Voucher.code_hash).where(Voucher.code_hash.in_(list(code_hashes)))))


async def insert_vouchers(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    # One executemany, no RETURNING: the ORM would insert row by row to hand back 100 ids.
    await session.execute(insert(Voucher), rows)


async def order_vouchers(session: AsyncSession, order: VoucherOrder) -> list[Voucher]:
    return list(await session.scalars(select(Voucher).where(Voucher.order_pk == order.id).order_by(Voucher.id)))


async def get_order(session: AsyncSession, caller: Caller, order_id: str) -> VoucherOrder:
    """One of the caller's orders."""
    order = await session.scalar(
        select(VoucherOrder).where(
            VoucherOrder.order_id == order_id.strip().upper(),
            owned_by(VoucherOrder, caller),
        )
    )
    if order is None:
        raise NotFound("order_id does not match any of your voucher orders")
    return order


async def find_order(session: AsyncSession, order_id: str) -> VoucherOrder:
    """Operators and receipts: any order, by its id."""
    order = await session.scalar(select(VoucherOrder).where(VoucherOrder.order_id == order_id.strip().upper()))
    if order is None:
        raise NotFound(f"order {order_id} not found")
    return order


async def order_by_pk(session: AsyncSession, order_pk: int) -> VoucherOrder | None:
    return await session.get(VoucherOrder, order_pk)


async def order_of(session: AsyncSession, voucher: Voucher) -> VoucherOrder:
    order = await session.get(VoucherOrder, voucher.order_pk)
    assert order is not None  # a foreign key
    return order


async def voucher_by_hash(session: AsyncSession, code_hash: str, *, lock: bool) -> Voucher | None:
    query = select(Voucher).where(Voucher.code_hash == code_hash)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def lock_vouchers(
    session: AsyncSession, order: VoucherOrder, *, code_hashes: Collection[str] | None = None
) -> list[Voucher]:
    """The order's vouchers (only these codes, when given), locked and re-read, by id."""
    query = select(Voucher).where(Voucher.order_pk == order.id)
    if code_hashes is not None:
        query = query.where(Voucher.code_hash.in_(sorted(code_hashes)))
    return await _locked(session, query)


async def lock_past_due(session: AsyncSession, order: VoucherOrder, now: datetime) -> list[Voucher]:
    """The order's still-active vouchers whose expiry has passed, locked and re-read, by id."""
    query = select(Voucher).where(
        Voucher.order_pk == order.id, Voucher.status == VoucherStatus.ACTIVE, Voucher.expires_at <= now
    )
    return await _locked(session, query)


async def _locked(session: AsyncSession, query: Select[Voucher]) -> list[Voucher]:
    return list(
        await session.scalars(query.order_by(Voucher.id).with_for_update().execution_options(populate_existing=True))
    )


# ---------------------------------------------------------------- operator reads


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
    period: Period = ALWAYS,
) -> tuple[list[VoucherOrder], int]:
    """One page of orders (issued within `period`), newest first, and the total; `status` keeps
    orders holding at least one voucher in that (effective) status."""
    query = period.apply(select(VoucherOrder), VoucherOrder.created_at)
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
