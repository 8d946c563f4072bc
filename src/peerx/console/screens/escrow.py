"""Escrow (Trustap): transactions by state (online and face to face), complaints with what each
side put on record, and the decision (release to the seller or refund the buyer) by finance."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from peerx.console import audit
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem, flash, redirect, render
from peerx.console.screens.money_common import ACT, READ, Listing, can_act, form_text
from peerx.ops.escrow import actions as escrow_ops
from peerx.ops.escrow import views
from peerx.ops.operators.models import Operator
from peerx.ops.views.common import livemode_of
from peerx.web import PlatformDep, Session

router = APIRouter(prefix="/escrow")
nav = NavItem("Escrow", "/escrow", FINANCE_READERS)


@router.get("")
async def transactions(screen: Listing, model: str = "online", status: str = "", mode: str = "") -> Response:
    listed = await screen.read(
        views.transactions, model=model, status=status, livemode=livemode_of(mode), page=screen.page
    )
    # The model as the view picked it (empty means online), for the filter form.
    return screen.render(
        "escrow/list.html", "Escrow", listed, {"model": listed["model"], "status": status, "mode": mode}
    )


@router.get("/complaints")
async def complaints(screen: Listing, model: str = "online") -> Response:
    listed = await screen.read(views.complaints, model=model, page=screen.page)
    return screen.render("escrow/complaints.html", "Complaints", listed, {}, can_act=can_act(screen.operator))


@router.get("/{model}/{transaction_id}")
async def detail(
    model: str,
    transaction_id: int,
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Operator = READ,
) -> Response:
    tx = await views.transaction(platform, session, transaction_id=transaction_id, model=model)
    return render(request, "escrow/detail.html", title=f"Escrow {transaction_id}", tx=tx, can_act=can_act(operator))


@router.post("/{model}/{transaction_id}/decide")
async def decide(
    model: str, transaction_id: int, request: Request, session: Session, platform: PlatformDep, operator: Operator = ACT
) -> Response:
    before = await views.transaction(platform, session, transaction_id=transaction_id, model=model)
    outcome = await form_text(request, "outcome")
    after = await escrow_ops.resolve(
        platform, session, transaction_id=transaction_id, outcome=outcome, p2p=before["model"] == "p2p"
    )
    subject = f"escrow:{before['model']}:{transaction_id}"
    await audit.record(session, operator, f"escrow.{outcome}", subject, before["view"], after)
    done = "released to the seller" if outcome == "release" else "refunded to the buyer"
    flash(request, f"Escrow transaction {transaction_id}: funds {done}.")
    return redirect(request, f"/escrow/{before['model']}/{transaction_id}")
