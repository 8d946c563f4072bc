"""/ops/v1/vouchers: the vouchers desk's JSON routes; each calls one action."""

from __future__ import annotations

from fastapi import Response

from peerx.ops.deps import OPERATOR
from peerx.ops.schemas import REFERENCE, reply
from peerx.ops.vouchers.actions import resend_codes_email, show_order, void_order
from peerx.ops.vouchers.schemas import OrderView, OrderVoided
from peerx.web import PlatformDep, Session, wire_router

router = wire_router(dependencies=[OPERATOR], tags=["vouchers"])  # /ops/v1/vouchers


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
