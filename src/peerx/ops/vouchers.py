"""Operator actions of Peerwallet vouchers: look at an order (masked, as everyone sees it), void
its active vouchers (refund to the vendor), and send a dead codes email again."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import mail
from peerx.core.errors import Conflict
from peerx.ops.deps import OPERATOR
from peerx.ops.schemas import REFERENCE, OrderView, OrderVoided, reply
from peerx.platform import Platform
from peerx.products.vouchers import service as vouchers
from peerx.products.vouchers.models import VoucherOrder
from peerx.web import PlatformDep, Session, wire_router

router = wire_router(dependencies=[OPERATOR], tags=["vouchers"])  # /ops/v1/vouchers


async def _order_view(platform: Platform, session: AsyncSession, order: VoucherOrder) -> dict[str, Any]:
    rows = await vouchers.order_vouchers(session, order)
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
    return await _order_view(platform, session, await vouchers.find_order(session, order_id))


async def void_order(platform: Platform, session: AsyncSession, *, order_id: str) -> dict[str, Any]:
    order, voided = await vouchers.operator_void(session, order_id)
    return {**await _order_view(platform, session, order), "voided": len(voided)}


async def resend_codes_email(platform: Platform, session: AsyncSession, *, order_id: str) -> dict[str, Any]:
    """Only a dead message can be sent again: once delivered, its content no longer exists."""
    order = await vouchers.find_order(session, order_id)
    if order.mail_message_id is None:
        raise Conflict(f"order {order.order_id} has no codes email")
    message = await session.get(mail.MailMessage, order.mail_message_id)
    assert message is not None
    if message.status != mail.DEAD:
        raise Conflict(f"the codes email of order {order.order_id} is {message.status}, not dead")
    await mail.requeue(session, message.id)
    return await _order_view(platform, session, order)


# ---------------------------------------------------------------- /ops/v1/vouchers


@router.get("/orders/{order_id}", response_model=OrderView)
async def get_order(order_id: REFERENCE, session: Session, platform: PlatformDep) -> Response:
    """An order and its vouchers, masked as everyone sees them."""
    return reply(OrderView, await show_order(platform, session, order_id=order_id))


@router.post("/orders/{order_id}/void", response_model=OrderVoided)
async def post_void(order_id: REFERENCE, session: Session, platform: PlatformDep) -> Response:
    """Void the order's active vouchers; their value goes back to the vendor."""
    return reply(OrderVoided, await void_order(platform, session, order_id=order_id))


@router.post("/orders/{order_id}/resend-email", response_model=OrderView)
async def post_resend(order_id: REFERENCE, session: Session, platform: PlatformDep) -> Response:
    """Send a dead codes email again (only a dead one: once delivered, its content is gone)."""
    return reply(OrderView, await resend_codes_email(platform, session, order_id=order_id))
