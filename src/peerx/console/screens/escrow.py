"""Escrow (Trustap): transactions by state (online and face to face), complaints with what each
side put on record, and the decision (release to the seller or refund the buyer) by finance."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from peerx.console import export
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem
from peerx.console.screens.money_common import Acting, Listing, Reading, can_act, form_text
from peerx.ops.escrow import actions as escrow_ops
from peerx.ops.escrow import views
from peerx.ops.views.common import PageRequest, livemode_of

router = APIRouter(prefix="/escrow")
nav = NavItem("Escrow", "/escrow", FINANCE_READERS)


@router.get("")
async def transactions(screen: Listing, model: str = "online", status: str = "", mode: str = "") -> Response:
    when, dates = export.dates(screen.request)
    livemode = livemode_of(mode)

    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(
            views.transactions, model=model, status=status, livemode=livemode, when=when, page=page
        )

    if export.asked(screen.request):
        return await export.csv_response(fetch, name=f"escrow-{model or 'online'}", when=when)
    listed = await fetch(screen.page)
    # The model as the view picked it (empty means online), for the filter form.
    filters = {"model": listed["model"], "status": status, "mode": mode, **dates}
    return screen.render_list("escrow/list.html", "Escrow", listed, filters)


@router.get("/complaints")
async def complaints(screen: Listing, model: str = "online") -> Response:
    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(views.complaints, model=model, page=page)

    if export.asked(screen.request):
        return await export.csv_response(fetch, name=f"escrow-complaints-{model or 'online'}")
    listed = await fetch(screen.page)
    return screen.render("escrow/complaints.html", "Complaints", listed=listed, can_act=can_act(screen.operator))


@router.get("/{model}/{transaction_id}")
async def detail(model: str, transaction_id: int, screen: Reading) -> Response:
    tx = await screen.call(views.transaction, transaction_id=transaction_id, model=model)
    return screen.render("escrow/detail.html", f"Escrow {transaction_id}", tx=tx, can_act=can_act(screen.operator))


@router.post("/{model}/{transaction_id}/decide")
async def decide(model: str, transaction_id: int, screen: Acting) -> Response:
    before = await screen.call(views.transaction, transaction_id=transaction_id, model=model)
    outcome = await form_text(screen.request, "outcome")
    p2p = before["model"] == "p2p"
    after = await screen.call(escrow_ops.resolve, transaction_id=transaction_id, outcome=outcome, p2p=p2p)
    subject = f"escrow:{before['model']}:{transaction_id}"
    done = "released to the seller" if outcome == "release" else "refunded to the buyer"
    message = f"Escrow transaction {transaction_id}: funds {done}."
    page = f"/escrow/{before['model']}/{transaction_id}"
    return await screen.done(f"escrow.{outcome}", subject, before["view"], after, message=message, then=page)
