"""Vouchers (Peerwallet): orders with their vouchers counted by status, vouchers by status (masked:
a code is never stored, so never shown), an order's page where finance voids its active vouchers
(the vendor is refunded), and the expiry terms vouchers are issued under."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from peerx.console import audit
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem, flash, redirect, render
from peerx.console.screens.money_common import ACT, READ, Listing, can_act
from peerx.ops.operators.models import Operator
from peerx.ops.views.common import livemode_of, optional_id
from peerx.ops.vouchers import actions as voucher_ops
from peerx.ops.vouchers import views
from peerx.web import PlatformDep, Session

router = APIRouter(prefix="/vouchers")
nav = NavItem("Vouchers", "/vouchers", FINANCE_READERS)


@router.get("")
async def orders(screen: Listing, status: str = "", mode: str = "", account: str = "") -> Response:
    livemode, account_id = livemode_of(mode), optional_id("account", account)
    listed = await screen.read(views.orders, status=status, livemode=livemode, account_id=account_id, page=screen.page)
    filters = {"status": status, "mode": mode, "account": account}
    terms = views.expiry_settings(screen.platform)
    return screen.render("vouchers/orders.html", "Vouchers", listed, filters, terms=terms, statuses=views.STATUSES)


@router.get("/list")
async def vouchers(screen: Listing, status: str = "", mode: str = "") -> Response:
    listed = await screen.read(views.voucher_list, status=status, livemode=livemode_of(mode), page=screen.page)
    filters = {"status": status, "mode": mode}
    return screen.render("vouchers/vouchers.html", "Voucher statuses", listed, filters, statuses=views.STATUSES)


@router.get("/orders/{order_id}")
async def order(
    order_id: str, request: Request, session: Session, platform: PlatformDep, operator: Operator = READ
) -> Response:
    shown = await voucher_ops.show_order(platform, session, order_id=order_id)
    return render(request, "vouchers/order.html", title=f"Order {order_id}", order=shown, can_act=can_act(operator))


@router.post("/orders/{order_id}/void")
async def void(
    order_id: str, request: Request, session: Session, platform: PlatformDep, operator: Operator = ACT
) -> Response:
    before = await voucher_ops.show_order(platform, session, order_id=order_id)
    after = await voucher_ops.void_order(platform, session, order_id=order_id)
    await audit.record(session, operator, "voucher_order.void", f"voucher_order:{before['order_id']}", before, after)
    flash(request, f"Order {before['order_id']}: {after['voided']} active vouchers voided; the vendor was refunded.")
    return redirect(request, f"/vouchers/orders/{before['order_id']}")
