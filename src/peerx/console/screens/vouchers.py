"""Vouchers (Peerwallet): orders with their vouchers counted by status, vouchers by status (masked:
a code is never stored, so never shown), an order's page where finance voids its active vouchers
(the vendor is refunded), and the expiry terms vouchers are issued under."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from peerx.console import export
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem
from peerx.console.screens.money_common import Acting, Listing, Reading, can_act
from peerx.ops.views.common import PageRequest, livemode_of, optional_id
from peerx.ops.vouchers import actions as voucher_ops
from peerx.ops.vouchers import views

router = APIRouter(prefix="/vouchers")
nav = NavItem("Vouchers", "/vouchers", FINANCE_READERS)


@router.get("")
async def orders(screen: Listing, status: str = "", mode: str = "", account: str = "") -> Response:
    livemode, account_id = livemode_of(mode), optional_id("account", account)
    when, dates = export.dates(screen.request)

    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(
            views.orders, status=status, livemode=livemode, account_id=account_id, when=when, page=page
        )

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="voucher-orders", when=when)
    listed = await fetch(screen.page)
    filters = {"status": status, "mode": mode, "account": account, **dates}
    terms = views.expiry_settings(screen.platform)
    names = await screen.names(o["account_id"] for o in listed["items"])
    return screen.render_list(
        "vouchers/orders.html", "Vouchers", listed, filters, terms=terms, statuses=views.STATUSES, names=names
    )


@router.get("/list")
async def vouchers(screen: Listing, status: str = "", mode: str = "") -> Response:
    livemode = livemode_of(mode)

    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(views.voucher_list, status=status, livemode=livemode, page=page)

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="vouchers")
    listed = await fetch(screen.page)
    filters = {"status": status, "mode": mode}
    return screen.render_list("vouchers/vouchers.html", "Voucher statuses", listed, filters, statuses=views.STATUSES)


@router.get("/orders/{order_id}")
async def order(order_id: str, screen: Reading) -> Response:
    shown = await screen.call(voucher_ops.show_order, order_id=order_id)
    names = await screen.names([shown["account_id"]])
    can = can_act(screen.operator)
    return screen.render("vouchers/order.html", f"Order {order_id}", order=shown, can_act=can, names=names)


@router.post("/orders/{order_id}/void")
async def void(order_id: str, screen: Acting) -> Response:
    before = await screen.call(voucher_ops.show_order, order_id=order_id)
    after = await screen.call(voucher_ops.void_order, order_id=order_id)
    shown_id = before["order_id"]
    message = f"Order {shown_id}: {after['voided']} active vouchers voided; the vendor was refunded."
    subject, page = f"voucher_order:{shown_id}", f"/vouchers/orders/{shown_id}"
    return await screen.done("voucher_order.void", subject, before, after, message=message, then=page)
