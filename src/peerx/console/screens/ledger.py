"""Ledger: accounts with their four totals, transfers (filtered by account, code, reference,
kind), and `verify` run in the background with its progress polled by htmx."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response

from peerx.console import audit, export
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem, redirect, render
from peerx.console.screens.money_common import READ, Listing
from peerx.core.clock import clock
from peerx.core.errors import NotFound
from peerx.core.ledger import TransferKind
from peerx.ops import actions
from peerx.ops.operators.models import Operator
from peerx.ops.views import ledger as views
from peerx.ops.views.common import PageRequest, livemode_of, optional_id
from peerx.platform import Platform
from peerx.web import PlatformDep, Session

router = APIRouter(prefix="/ledger")
nav = NavItem("Ledger", "/ledger", FINANCE_READERS)

KEEP_RUNS = 20  # finished verify results kept in memory for their pages


@dataclass
class VerifyRun:
    """One background `ledger verify`: it reads every account and transfer, so it runs in its own
    unit of work after the request that started it has answered."""

    id: str
    started_by: str
    started_at: str
    result: dict[str, Any] | None = None
    error: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


_RUNS: dict[str, VerifyRun] = {}


async def _verify(platform: Platform, run: VerifyRun) -> None:
    try:
        async with platform.db.transaction() as session:
            run.result = await actions.verify_ledger(platform, session)
    except Exception as exc:  # shown on the run's page; the process keeps serving
        run.error = f"{type(exc).__name__}: {exc}"


def _start(platform: Platform, operator: Operator) -> VerifyRun:
    for old in list(_RUNS)[:-KEEP_RUNS]:
        _RUNS.pop(old)
    run = VerifyRun(secrets.token_urlsafe(8), operator.email, clock.now().isoformat())
    _RUNS[run.id] = run
    run.task = asyncio.get_running_loop().create_task(_verify(platform, run))
    return run


@router.get("")
async def accounts(screen: Listing, search: str = "", currency: str = "", mode: str = "") -> Response:
    when, dates = export.dates(screen.request)
    livemode = livemode_of(mode)

    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(
            views.accounts, search=search, currency=currency, livemode=livemode, when=when, page=page
        )

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="ledger-accounts", when=when)
    listed = await fetch(screen.page)
    filters = {"search": search, "currency": currency, "mode": mode, **dates}
    return screen.render_list("ledger/accounts.html", "Ledger", listed, filters)


@router.get("/transfers")
async def transfers(
    screen: Listing, account: str = "", code: str = "", reference: str = "", kind: str = ""
) -> Response:
    account_id = optional_id("account", account)
    when, dates = export.dates(screen.request)

    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(
            views.transfers, account_id=account_id, code=code, reference=reference, kind=kind, when=when, page=page
        )

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="ledger-transfers", when=when)
    listed = await fetch(screen.page)
    filters = {"account": account, "code": code, "reference": reference, "kind": kind, **dates}
    return screen.render_list("ledger/transfers.html", "Transfers", listed, filters, kinds=list(TransferKind))


@router.post("/verify")
async def start_verify(
    request: Request, session: Session, platform: PlatformDep, operator: Operator = READ
) -> Response:
    """Reading, not moving money: every role of this screen may run it."""
    run = _start(platform, operator)
    await audit.record(session, operator, "ledger.verify", f"verify:{run.id}", None, None)
    return redirect(request, f"/ledger/verify/{run.id}")


def _run(run_id: str) -> VerifyRun:
    run = _RUNS.get(run_id)
    if run is None:
        raise NotFound("This verify run is not known (the server restarted or it is too old).")
    return run


@router.get("/verify/{run_id}")
async def verify_page(run_id: str, request: Request, operator: Operator = READ) -> Response:
    return render(request, "ledger/verify.html", title="Ledger verify", run=_run(run_id))


@router.get("/verify/{run_id}/status")
async def verify_status(run_id: str, request: Request, operator: Operator = READ) -> Response:
    """The htmx fragment: it keeps polling itself until the run has an answer."""
    return render(request, "ledger/_verify_status.html", run=_run(run_id))
