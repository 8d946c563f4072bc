"""Bitcoin (Peach): offers, contracts, and disputes: the dispute's reason and both parties'
emails, the chat a party revealed to the mediator by handing over its key (shown encrypted, with
the key encrypted for the platform's PGP key: the mediator decrypts offline), and finance's
decision, which moves the escrow on chain."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from peerx.console import export
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem
from peerx.console.screens.money_common import Acting, Listing, Reading, can_act, form_text
from peerx.core.errors import InvalidField
from peerx.ops.bitcoin import actions as bitcoin_ops
from peerx.ops.bitcoin import views
from peerx.ops.views.common import PageRequest

router = APIRouter(prefix="/bitcoin")
nav = NavItem("Bitcoin", "/bitcoin", FINANCE_READERS)


@router.get("")
async def contracts(screen: Listing, status: str = "", disputed: str = "") -> Response:
    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(views.contracts, status=status, disputed=disputed == "yes", page=page)

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="bitcoin-contracts")
    listed = await fetch(screen.page)
    filters = {"status": status, "disputed": disputed}
    return screen.render_list("bitcoin/contracts.html", "Bitcoin contracts", listed, filters)


@router.get("/offers")
async def offers(screen: Listing, type: str = "", status: str = "") -> Response:
    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(views.offers, type=type, status=status, page=page)

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="bitcoin-offers")
    listed = await fetch(screen.page)
    return screen.render_list("bitcoin/offers.html", "Bitcoin offers", listed, {"type": type, "status": status})


@router.get("/disputes")
async def disputes(screen: Reading, active: str = "yes") -> Response:
    listed = await screen.call(bitcoin_ops.list_disputes, active_only=active != "no")
    return screen.render("bitcoin/disputes.html", "Bitcoin disputes", listed=listed, active=active != "no")


@router.get("/contracts/{contract_id}")
async def contract(contract_id: str, screen: Reading, chat: str = "") -> Response:
    chat_page = int(chat) if chat.isdigit() else 0
    shown = await screen.call(views.contract, contract_id=contract_id, chat_page=chat_page)
    return screen.render(
        "bitcoin/contract.html",
        f"Contract {contract_id}",
        contract=shown,
        outcomes=bitcoin_ops.DISPUTE_OUTCOMES,
        can_act=can_act(screen.operator),
    )


@router.post("/contracts/{contract_id}/resolve")
async def resolve(contract_id: str, screen: Acting) -> Response:
    outcome = await form_text(screen.request, "outcome")
    if outcome not in bitcoin_ops.DISPUTE_OUTCOMES:
        raise InvalidField("outcome", f"must be one of {', '.join(bitcoin_ops.DISPUTE_OUTCOMES)}")
    before = (await screen.call(views.contract, contract_id=contract_id))["dispute"]
    after = await screen.call(bitcoin_ops.resolve_dispute, contract_id=contract_id, outcome=outcome)
    message = f"Dispute of contract {contract_id} decided: {outcome}."
    subject, page = f"contract:{contract_id}", f"/bitcoin/contracts/{contract_id}"
    return await screen.done(f"bitcoin.dispute_{outcome}", subject, before, after, message=message, then=page)
