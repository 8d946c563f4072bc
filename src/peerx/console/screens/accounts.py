"""Accounts: every product's merchants, vendors, partners and escrow clients, searched by name,
email or id and by date, with a CSV of the filter; one account's keys (prefixes only) and
status, where finance rolls a key (the new key is shown on the answer page, once, never in a
redirect or a flash) and suspends or reinstates the account. Every action is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from peerx.console import audit, export
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem
from peerx.console.screens.money_common import Acting, Listing, Reading, Screen, can_act, form_text
from peerx.core.errors import InvalidField
from peerx.ops import accounts
from peerx.ops.views.common import PageRequest
from peerx.ops.views.listing import date_range

router = APIRouter(prefix="/accounts")
nav = NavItem("Accounts", "/accounts", FINANCE_READERS)


@router.get("")
async def listing(screen: Listing, product: str = "", q: str = "", start: str = "", end: str = "") -> Response:
    # `from`/`to` in the query string (a keyword in Python, so read by name).
    start = screen.request.query_params.get("from", start)
    end = screen.request.query_params.get("to", end)
    when = date_range(start, end)

    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(accounts.list_accounts, product=product, search=q, when=when, page=page)

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="accounts", when=when)
    listed = await fetch(screen.page)
    filters = {"product": product, "q": q, "from": start, "to": end}
    return screen.render_list("accounts/list.html", "Accounts", listed, filters, products=accounts.PRODUCTS)


async def _detail(screen: Screen, account_id: int, rolled: dict[str, Any] | None = None) -> Response:
    account = await screen.call(accounts.get_account, account_id=account_id)
    return screen.render(
        "accounts/detail.html",
        f"Account {account['name']}",
        account=account,
        products=accounts.PRODUCTS,
        can_act=can_act(screen.operator),
        rolled=rolled,
    )


@router.get("/{account_id}")
async def detail(account_id: int, screen: Reading) -> Response:
    return await _detail(screen, account_id)


def _hours(raw: str) -> int:
    if not raw.strip().isdigit():
        raise InvalidField("grace_hours", "must be a whole number of hours")
    return int(raw)


@router.post("/{account_id}/roll")
async def roll(account_id: int, screen: Acting) -> Response:
    form = await screen.request.form()
    product = str(form.get("product", ""))
    livemode = str(form.get("mode", "live")) != "test"
    grace = _hours(str(form.get("grace_hours", "24")))
    rolled = await screen.call(
        accounts.roll_key, account_id=account_id, product=product, livemode=livemode, grace_hours=grace
    )
    after = {k: v for k, v in rolled.items() if k != "key"}  # never the key in the audit log
    await audit.record(screen.session, screen.operator, "account.key_rolled", f"account:{account_id}", None, after)
    # Rendered, not redirected: the key lives only in this answer (Cache-Control: no-store).
    return await _detail(screen, account_id, rolled=rolled)


async def _status_change(screen: Acting, account_id: int, *, suspend: bool) -> Response:
    reason = await form_text(screen.request, "reason")
    before = await screen.call(accounts.get_account, account_id=account_id)
    step = accounts.suspend_account if suspend else accounts.reinstate_account
    after = await screen.call(step, account_id=account_id, reason=reason)
    action = "account.suspended" if suspend else "account.reinstated"
    state = {"status": before["status"], "suspended_reason": before["suspended_reason"]}
    new_state = {"status": after["status"], "suspended_reason": after["suspended_reason"], "reason": reason}
    message = f"{after['name']} is {'suspended' if suspend else 'active again'}."
    return await screen.done(
        action, f"account:{account_id}", state, new_state, message=message, then=f"/accounts/{account_id}"
    )


@router.post("/{account_id}/suspend")
async def suspend(account_id: int, screen: Acting) -> Response:
    return await _status_change(screen, account_id, suspend=True)


@router.post("/{account_id}/reinstate")
async def reinstate(account_id: int, screen: Acting) -> Response:
    return await _status_change(screen, account_id, suspend=False)
