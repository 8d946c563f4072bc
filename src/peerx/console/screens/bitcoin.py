"""Bitcoin (Peach): offers, contracts, and disputes: the dispute's reason and both parties'
emails, the chat a party revealed to the mediator by handing over its key (shown encrypted, with
the key encrypted for the platform's PGP key: the mediator decrypts offline), and finance's
decision, which moves the escrow on chain."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from peerx.console import audit
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem, flash, redirect, render
from peerx.console.screens.money_common import ACT, READ, Listing, can_act, form_text
from peerx.core.errors import InvalidField
from peerx.ops.bitcoin import actions as bitcoin_ops
from peerx.ops.bitcoin import views
from peerx.ops.operators.models import Operator
from peerx.web import PlatformDep, Session

router = APIRouter(prefix="/bitcoin")
nav = NavItem("Bitcoin", "/bitcoin", FINANCE_READERS)


@router.get("")
async def contracts(screen: Listing, status: str = "", disputed: str = "") -> Response:
    listed = await screen.read(views.contracts, status=status, disputed=disputed == "yes", page=screen.page)
    filters = {"status": status, "disputed": disputed}
    return screen.render("bitcoin/contracts.html", "Bitcoin contracts", listed, filters)


@router.get("/offers")
async def offers(screen: Listing, type: str = "", status: str = "") -> Response:
    listed = await screen.read(views.offers, type=type, status=status, page=screen.page)
    return screen.render("bitcoin/offers.html", "Bitcoin offers", listed, {"type": type, "status": status})


@router.get("/disputes")
async def disputes(
    request: Request, session: Session, platform: PlatformDep, operator: Operator = READ, active: str = "yes"
) -> Response:
    listed = await bitcoin_ops.list_disputes(platform, session, active_only=active != "no")
    return render(request, "bitcoin/disputes.html", title="Bitcoin disputes", listed=listed, active=active != "no")


@router.get("/contracts/{contract_id}")
async def contract(
    contract_id: str,
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Operator = READ,
    chat: str = "",
) -> Response:
    chat_page = int(chat) if chat.isdigit() else 0
    shown = await views.contract(platform, session, contract_id=contract_id, chat_page=chat_page)
    return render(
        request,
        "bitcoin/contract.html",
        title=f"Contract {contract_id}",
        contract=shown,
        outcomes=bitcoin_ops.DISPUTE_OUTCOMES,
        can_act=can_act(operator),
    )


@router.post("/contracts/{contract_id}/resolve")
async def resolve(
    contract_id: str, request: Request, session: Session, platform: PlatformDep, operator: Operator = ACT
) -> Response:
    outcome = await form_text(request, "outcome")
    if outcome not in bitcoin_ops.DISPUTE_OUTCOMES:
        raise InvalidField("outcome", f"must be one of {', '.join(bitcoin_ops.DISPUTE_OUTCOMES)}")
    before = (await views.contract(platform, session, contract_id=contract_id))["dispute"]
    after = await bitcoin_ops.resolve_dispute(platform, session, contract_id=contract_id, outcome=outcome)
    await audit.record(session, operator, f"bitcoin.dispute_{outcome}", f"contract:{contract_id}", before, after)
    flash(request, f"Dispute of contract {contract_id} decided: {outcome}.")
    return redirect(request, f"/bitcoin/contracts/{contract_id}")
