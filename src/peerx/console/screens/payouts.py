"""Wallets and payouts: merchants' wallet balances, gift-card withdrawals by status (finance
settles a stuck one as paid or failed), and the float kept at each rail."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from peerx.console import audit
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem, flash, redirect
from peerx.console.screens.money_common import ACT, Listing, can_act, form_text
from peerx.core.errors import InvalidField
from peerx.ops.giftcards import actions as giftcard_ops
from peerx.ops.operators.models import Operator
from peerx.ops.views import payouts as views
from peerx.ops.views.common import livemode_of
from peerx.web import PlatformDep, Session

router = APIRouter(prefix="/payouts")
nav = NavItem("Payouts", "/payouts", FINANCE_READERS)


@router.get("")
async def withdrawals(screen: Listing, status: str = "", mode: str = "") -> Response:
    listed = await screen.read(views.withdrawals, status=status, livemode=livemode_of(mode), page=screen.page)
    return screen.render(
        "payouts/withdrawals.html",
        "Payouts",
        listed,
        {"status": status, "mode": mode},
        floats=await screen.read(views.rail_floats),
        statuses=views.WITHDRAWAL_STATUSES,
        can_act=can_act(screen.operator),
    )


@router.get("/wallets")
async def wallets(screen: Listing, currency: str = "", mode: str = "") -> Response:
    listed = await screen.read(views.wallet_balances, currency=currency, livemode=livemode_of(mode), page=screen.page)
    return screen.render("payouts/wallets.html", "Wallets", listed, {"currency": currency, "mode": mode})


@router.post("/withdrawals/{reference}/settle")
async def settle(
    reference: str, request: Request, session: Session, platform: PlatformDep, operator: Operator = ACT
) -> Response:
    outcome = await form_text(request, "outcome")
    if outcome not in ("paid", "failed"):
        raise InvalidField("outcome", "must be paid or failed")
    before = await views.withdrawal(platform, session, reference=reference)
    after = await giftcard_ops.settle_withdrawal(
        platform, session, reference=reference, paid=outcome == "paid", note=await form_text(request, "note")
    )
    await audit.record(session, operator, f"withdrawal.settle_{outcome}", f"withdrawal:{reference}", before, after)
    flash(request, f"Withdrawal {reference} settled as {outcome}.")
    return redirect(request, "/payouts")
