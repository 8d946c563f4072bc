"""Wallets and payouts: merchants' wallet balances, gift-card withdrawals by status (finance
settles a stuck one as paid or failed), and the float kept at each rail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from peerx.console import export
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem
from peerx.console.screens.money_common import Acting, Listing, can_act, form_text
from peerx.core.errors import InvalidField
from peerx.ops.giftcards import actions as giftcard_ops
from peerx.ops.views import payouts as views
from peerx.ops.views.common import PageRequest, livemode_of

router = APIRouter(prefix="/payouts")
nav = NavItem("Payouts", "/payouts", FINANCE_READERS)


@router.get("")
async def withdrawals(screen: Listing, status: str = "", mode: str = "") -> Response:
    when, dates = export.dates(screen.request)
    livemode = livemode_of(mode)

    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(views.withdrawals, status=status, livemode=livemode, when=when, page=page)

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="withdrawals", when=when)
    listed = await fetch(screen.page)
    return screen.render_list(
        "payouts/withdrawals.html",
        "Payouts",
        listed,
        {"status": status, "mode": mode, **dates},
        floats=await screen.call(views.rail_floats),
        statuses=views.WITHDRAWAL_STATUSES,
        can_act=can_act(screen.operator),
        names=await screen.names(w["party_id"] for w in listed["items"]),
    )


@router.get("/wallets")
async def wallets(screen: Listing, currency: str = "", mode: str = "") -> Response:
    livemode = livemode_of(mode)

    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(views.wallet_balances, currency=currency, livemode=livemode, page=page)

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="wallets")
    listed = await fetch(screen.page)
    return screen.render_list("payouts/wallets.html", "Wallets", listed, {"currency": currency, "mode": mode})


@router.post("/withdrawals/{reference}/settle")
async def settle(reference: str, screen: Acting) -> Response:
    outcome = await form_text(screen.request, "outcome")
    if outcome not in ("paid", "failed"):
        raise InvalidField("outcome", "must be paid or failed")
    before = await screen.call(views.withdrawal, reference=reference)
    note = await form_text(screen.request, "note")
    after = await screen.call(giftcard_ops.settle_withdrawal, reference=reference, paid=outcome == "paid", note=note)
    message = f"Withdrawal {reference} settled as {outcome}."
    subject = f"withdrawal:{reference}"
    return await screen.done(f"withdrawal.settle_{outcome}", subject, before, after, message=message, then="/payouts")
