"""Remittances (Peex): transactions by status with search, partners with their solde, fees and
limits, and a transaction's page where finance cancels it with a reason or retries it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from peerx.console import export
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem
from peerx.console.screens.money_common import Acting, Listing, Reading, Screen, can_act, form_text
from peerx.ops.remittances import actions as remittance_ops
from peerx.ops.remittances import views
from peerx.ops.views.common import PageRequest, livemode_of, optional_id

router = APIRouter(prefix="/remittances")
nav = NavItem("Remittances", "/remittances", FINANCE_READERS)


@router.get("")
async def transactions(
    screen: Listing, status: str = "", mode: str = "", account: str = "", search: str = ""
) -> Response:
    livemode, account_id = livemode_of(mode), optional_id("account", account)
    when, dates = export.dates(screen.request)

    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(
            views.transactions,
            status=status,
            livemode=livemode,
            account_id=account_id,
            search=search,
            when=when,
            page=page,
        )

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="remittances", when=when)
    listed = await fetch(screen.page)
    filters = {"status": status, "mode": mode, "account": account, "search": search, **dates}
    names = await screen.names(tx["account_id"] for tx in listed["items"])
    return screen.render_list(
        "remittances/list.html", "Remittances", listed, filters, statuses=views.STATUSES, names=names
    )


@router.get("/partners")
async def partners(screen: Listing) -> Response:
    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(views.partner_list, page=page)

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="remittance-partners")
    listed = await fetch(screen.page)
    names = await screen.names(p["account_id"] for p in listed["items"])
    return screen.render("remittances/partners.html", "Remittance partners", listed=listed, names=names)


@router.get("/{transaction_id}")
async def detail(transaction_id: int, screen: Reading) -> Response:
    tx = await screen.call(views.transaction, transaction_id=transaction_id)
    title = f"Remittance {tx['track_id']}"
    names = await screen.names([tx["account_id"]])
    return screen.render("remittances/detail.html", title, tx=tx, can_act=can_act(screen.operator), names=names)


@router.post("/{transaction_id}/cancel")
async def cancel(transaction_id: int, screen: Acting) -> Response:
    before = await screen.call(views.transaction, transaction_id=transaction_id)
    reason = await form_text(screen.request, "reason")
    after = await screen.call(remittance_ops.cancel, transaction_id=transaction_id, reason=reason)
    message = f"Remittance {before['track_id']} canceled; the partner's hold was released."
    return await _done(screen, "remittance.cancel", transaction_id, before, after, message)


@router.post("/{transaction_id}/retry")
async def retry(transaction_id: int, screen: Acting) -> Response:
    before = await screen.call(views.transaction, transaction_id=transaction_id)
    after = await screen.call(remittance_ops.retry, transaction_id=transaction_id)
    message = f"Remittance {before['track_id']} retried: now {after['status']}."
    return await _done(screen, "remittance.retry", transaction_id, before, after, message)


async def _done(
    screen: Screen, action: str, transaction_id: int, before: dict[str, Any], after: dict[str, Any], message: str
) -> Response:
    """Audited as `remittance:<id>`; back to the transaction's page."""
    subject, page = f"remittance:{transaction_id}", f"/remittances/{transaction_id}"
    return await screen.done(action, subject, before, after, message=message, then=page)
