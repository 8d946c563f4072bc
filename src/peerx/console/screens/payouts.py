"""Wallets and payouts: merchants' wallet balances, gift-card withdrawals by status (finance
settles a stuck one as paid or failed), and the float kept at each rail."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from peerx.console import audit
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem, flash, redirect, render
from peerx.console.screens.money_common import ACT, READ, can_act, form_text
from peerx.core.errors import InvalidField
from peerx.ops.giftcards import actions as giftcard_ops
from peerx.ops.operators.models import Operator
from peerx.ops.views import payouts as views
from peerx.ops.views.common import livemode_of, page_request
from peerx.web import PlatformDep, Session

router = APIRouter(prefix="/payouts")
nav = NavItem("Payouts", "/payouts", FINANCE_READERS)


@router.get("")
async def withdrawals(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Operator = READ,
    status: str = "",
    mode: str = "",
    page: str = "",
) -> Response:
    listed = await views.withdrawals(
        platform, session, status=status, livemode=livemode_of(mode), page=page_request(page, None)
    )
    return render(
        request,
        "payouts/withdrawals.html",
        title="Payouts",
        listed=listed,
        floats=await views.rail_floats(platform, session),
        statuses=views.WITHDRAWAL_STATUSES,
        filters={"status": status, "mode": mode},
        can_act=can_act(operator),
    )


@router.get("/wallets")
async def wallets(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Operator = READ,
    currency: str = "",
    mode: str = "",
    page: str = "",
) -> Response:
    listed = await views.wallet_balances(
        platform, session, currency=currency, livemode=livemode_of(mode), page=page_request(page, None)
    )
    return render(
        request,
        "payouts/wallets.html",
        title="Wallets",
        listed=listed,
        filters={"currency": currency, "mode": mode},
    )


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
