"""Remittances (Peex): transactions by status with search, partners with their solde, fees and
limits, and a transaction's page where finance cancels it with a reason or retries it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from peerx.console import audit
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem, flash, redirect, render
from peerx.console.screens.money_common import ACT, READ, can_act, form_text
from peerx.ops.operators.models import Operator
from peerx.ops.remittances import actions as remittance_ops
from peerx.ops.remittances import views
from peerx.ops.views.common import livemode_of, optional_id, page_request
from peerx.web import PlatformDep, Session

router = APIRouter(prefix="/remittances")
nav = NavItem("Remittances", "/remittances", FINANCE_READERS)


@router.get("")
async def transactions(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Operator = READ,
    status: str = "",
    mode: str = "",
    account: str = "",
    search: str = "",
    page: str = "",
) -> Response:
    listed = await views.transactions(
        platform,
        session,
        status=status,
        livemode=livemode_of(mode),
        account_id=optional_id("account", account),
        search=search,
        page=page_request(page, None),
    )
    return render(
        request,
        "remittances/list.html",
        title="Remittances",
        listed=listed,
        statuses=views.STATUSES,
        filters={"status": status, "mode": mode, "account": account, "search": search},
    )


@router.get("/partners")
async def partners(
    request: Request, session: Session, platform: PlatformDep, operator: Operator = READ, page: str = ""
) -> Response:
    listed = await views.partner_list(platform, session, page=page_request(page, None))
    return render(request, "remittances/partners.html", title="Remittance partners", listed=listed)


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
