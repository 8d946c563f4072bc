"""Operator read views of Peerwallet vouchers: orders with how many of their vouchers are in each
status, vouchers by status (masked: a code is never stored, so never shown), and the expiry terms.
An active voucher past its expiry counts as expired, as the product reads it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.ops.views.common import PageRequest, choice, money, page_dict
from peerx.ops.views.listing import DateRange
from peerx.platform import Platform
from peerx.products.vouchers import repository as queries
from peerx.products.vouchers import service as vouchers
from peerx.products.vouchers.models import VoucherStatus

STATUSES = tuple(VoucherStatus)


def order_row(order: Any) -> dict[str, Any]:
    return {
        **vouchers.order_summary(order),
        "account_id": order.party_id,
        "livemode": order.livemode,
        "face_value": money(order.amount, order.currency),
        "charged": money(order.total_charged, order.currency),
        "expires_at": order.expires_at,
        "created_at": order.created_at,
    }


async def orders(
    platform: Platform,
    session: AsyncSession,
    *,
    status: str | None = None,
    livemode: bool | None = None,
    account_id: int | None = None,
    when: DateRange = DateRange(),
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Orders newest first; `status` keeps orders holding at least one voucher in that status."""
    picked = choice("status", status, STATUSES)
    now = utcnow()
    found, total = await queries.orders_page(
        session, now=now, status=picked, livemode=livemode, party_id=account_id, period=when, **page.window()
    )
    listed = page_dict([order_row(order) for order in found], total, page)
    counts: dict[str, dict[str, int]] = {}
    for order_id, voucher_status, count in await queries.status_counts_by_order(
        session, [row["order_id"] for row in listed["items"]], now
    ):
        counts.setdefault(order_id, dict.fromkeys(STATUSES, 0))[voucher_status] += count
    for row in listed["items"]:
        row["voucher_status_counts"] = counts.get(row["order_id"], dict.fromkeys(STATUSES, 0))
    return listed


async def voucher_list(
    platform: Platform,
    session: AsyncSession,
    *,
    status: str | None = None,
    livemode: bool | None = None,
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Vouchers newest first, each masked as every API shows it, with its order."""
    picked = choice("status", status, STATUSES)
    rows, total = await queries.vouchers_page(session, now=utcnow(), status=picked, livemode=livemode, **page.window())
    items = [
        {
            **vouchers.voucher_view(voucher),
            "id": voucher.id,
            "order_id": order_id,
            "livemode": voucher.livemode,
            "value": money(voucher.amount, voucher.currency),
        }
        for voucher, order_id in rows
    ]
    return page_dict(items, total, page)


def expiry_settings(platform: Platform) -> dict[str, Any]:
    """The terms vouchers are issued under (environment settings; docs/vouchers.md)."""
    settings = platform.settings
    return {
        "validity_days": vouchers.VALIDITY.days,
        "expiry_action": settings.vouchers_expiry_action,
        "fee_pct": settings.vouchers_fee_pct,
        "fee_fixed": settings.vouchers_fee_fixed,
    }
