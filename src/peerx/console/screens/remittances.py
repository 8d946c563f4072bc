"""Remittances (Peex): transactions by status with search, partners with their solde, fees and
limits, and a transaction's page where finance cancels it with a reason or retries it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from peerx.console import audit
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem, flash, redirect, render
from peerx.console.screens.money_common import ACT, READ, Listing, can_act, form_text
from peerx.ops.operators.models import Operator
from peerx.ops.remittances import actions as remittance_ops
from peerx.ops.remittances import views
from peerx.ops.views.common import livemode_of, optional_id
from peerx.web import PlatformDep, Session

router = APIRouter(prefix="/remittances")
nav = NavItem("Remittances", "/remittances", FINANCE_READERS)


@router.get("")
async def transactions(
    screen: Listing, status: str = "", mode: str = "", account: str = "", search: str = ""
) -> Response:
    livemode, account_id = livemode_of(mode), optional_id("account", account)
    listed = await screen.read(
        views.transactions, status=status, livemode=livemode, account_id=account_id, search=search, page=screen.page
    )
    filters = {"status": status, "mode": mode, "account": account, "search": search}
    return screen.render("remittances/list.html", "Remittances", listed, filters, statuses=views.STATUSES)


@router.get("/partners")
async def partners(screen: Listing) -> Response:
    listed = await screen.read(views.partner_list, page=screen.page)
    return screen.render("remittances/partners.html", "Remittance partners", listed, {})


@router.get("/{transaction_id}")
async def detail(
    transaction_id: int, request: Request, session: Session, platform: PlatformDep, operator: Operator = READ
) -> Response:
    tx = await views.transaction(platform, session, transaction_id=transaction_id)
    return render(
        request, "remittances/detail.html", title=f"Remittance {tx['track_id']}", tx=tx, can_act=can_act(operator)
    )


@router.post("/{transaction_id}/cancel")
async def cancel(
    transaction_id: int, request: Request, session: Session, platform: PlatformDep, operator: Operator = ACT
) -> Response:
    before = await views.transaction(platform, session, transaction_id=transaction_id)
    after = await remittance_ops.cancel(
        platform, session, transaction_id=transaction_id, reason=await form_text(request, "reason")
    )
    await audit.record(session, operator, "remittance.cancel", f"remittance:{transaction_id}", before, after)
    flash(request, f"Remittance {before['track_id']} canceled; the partner's hold was released.")
    return redirect(request, f"/remittances/{transaction_id}")


@router.post("/{transaction_id}/retry")
async def retry(
    transaction_id: int, request: Request, session: Session, platform: PlatformDep, operator: Operator = ACT
) -> Response:
    before = await views.transaction(platform, session, transaction_id=transaction_id)
    after = await remittance_ops.retry(platform, session, transaction_id=transaction_id)
    await audit.record(session, operator, "remittance.retry", f"remittance:{transaction_id}", before, after)
    flash(request, f"Remittance {before['track_id']} retried: now {after['status']}.")
    return redirect(request, f"/remittances/{transaction_id}")
