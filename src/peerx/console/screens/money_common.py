"""What the money screens (payouts, vouchers, remittances, escrow, ledger, webhooks) share: who
reads them (viewer, finance; admin always), who acts on them (finance; admin always), and how a
form's text field is read."""

from __future__ import annotations

from fastapi import Depends, Request

from peerx.console.auth import FINANCE_READERS, Guard, require
from peerx.ops.operators.models import FINANCE, Operator

READ = Depends(require(*FINANCE_READERS))
ACT = Depends(require(FINANCE))


def can_act(operator: Operator) -> bool:
    """Whether the page shows its action forms (the routes check again)."""
    return Guard((FINANCE,)).allows(operator.role)


async def form_text(request: Request, name: str) -> str:
    value = (await request.form()).get(name)
    return value.strip() if isinstance(value, str) else ""
