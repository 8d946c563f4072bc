"""Operator actions of Peerwallet vouchers: look at an order (masked, as everyone sees it), void
its active vouchers (refund to the vendor), and send a dead codes email again."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import mail
from peerx.core.errors import Conflict
from peerx.platform import Platform
from peerx.products.vouchers import repository as queries
from peerx.products.vouchers import service as vouchers
from peerx.products.vouchers.models import VoucherOrder


async def _order_view(platform: Platform, session: AsyncSession, order: VoucherOrder) -> dict[str, Any]:
    rows = await queries.order_vouchers(session, order)
    codes_mail = await session.get(mail.MailMessage, order.mail_message_id) if order.mail_message_id else None
    return {
        **vouchers.order_summary(order),
        "account_id": order.party_id,
        "livemode": order.livemode,
        "receipt_url": vouchers.receipt_url(platform.settings, platform.keys.pepper, order.order_id),
        "codes_email": (
            {"id": codes_mail.id, "status": codes_mail.status, "attempts": codes_mail.attempts} if codes_mail else None
        ),
        "voucher_status_counts": vouchers.status_counts(rows),
        "vouchers": [vouchers.voucher_view(v) for v in rows],
    }


async def show_order(platform: Platform, session: AsyncSession, *, order_id: str) -> dict[str, Any]:
    return await _order_view(platform, session, await queries.find_order(session, order_id))


async def void_order(platform: Platform, session: AsyncSession, *, order_id: str) -> dict[str, Any]:
    order, voided = await vouchers.operator_void(session, order_id)
    return {**await _order_view(platform, session, order), "voided": len(voided)}


async def resend_codes_email(platform: Platform, session: AsyncSession, *, order_id: str) -> dict[str, Any]:
    """Only a dead message can be sent again: once delivered, its content no longer exists."""
    order = await queries.find_order(session, order_id)
    if order.mail_message_id is None:
        raise Conflict(f"order {order.order_id} has no codes email")
    message = await session.get(mail.MailMessage, order.mail_message_id)
    assert message is not None
    if message.status != mail.DEAD:
        raise Conflict(f"the codes email of order {order.order_id} is {message.status}, not dead")
    await mail.requeue(session, message.id)
    return await _order_view(platform, session, order)
