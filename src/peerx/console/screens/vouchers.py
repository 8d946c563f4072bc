"""Vouchers (Peerwallet): orders with their vouchers counted by status, vouchers by status (masked:
a code is never stored, so never shown), an order's page where finance voids its active vouchers
(the vendor is refunded), and the expiry terms vouchers are issued under."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from peerx.console import audit
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem, flash, redirect, render
from peerx.console.screens.money_common import ACT, READ, can_act
from peerx.ops.operators.models import Operator
from peerx.ops.views.common import livemode_of, optional_id, page_request
from peerx.ops.vouchers import actions as voucher_ops
from peerx.ops.vouchers import views
from peerx.web import PlatformDep, Session

router = APIRouter(prefix="/vouchers")
nav = NavItem("Vouchers", "/vouchers", FINANCE_READERS)


@router.get("")
async def orders(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Operator = READ,
    status: str = "",
    mode: str = "",
    account: str = "",
    page: str = "",
) -> Response:
    listed = await views.orders(
        platform,
        session,
        status=status,
        livemode=livemode_of(mode),
        account_id=optional_id("account", account),
        page=page_request(page, None),
    )
    return render(
        request,
        "vouchers/orders.html",
        title="Vouchers",
        listed=listed,
        terms=views.expiry_settings(platform),
        statuses=views.STATUSES,
        filters={"status": status, "mode": mode, "account": account},
    )


@router.get("/list")
async def vouchers(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Operator = READ,
    status: str = "",
    mode: str = "",
    page: str = "",
) -> Response:
    listed = await views.voucher_list(
        platform, session, status=status, livemode=livemode_of(mode), page=page_request(page, None)
    )
    return render(
        request,
        "vouchers/vouchers.html",
        title="Voucher statuses",
        listed=listed,
        statuses=views.STATUSES,
        filters={"status": status, "mode": mode},
    )


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
