"""Operator read views of wallets and payouts: merchants' wallet balances (any product's party
wallet), gift-card withdrawals by status, and the float the platform keeps at each rail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import ledger
from peerx.core.db import paginate
from peerx.core.errors import NotFound
from peerx.core.parties import Party
from peerx.ops.views.common import PageRequest, choice, every_status, money, page_dict
from peerx.ops.views.listing import DateRange
from peerx.platform import Platform
from peerx.products.giftcards import repository as queries
from peerx.products.giftcards import service as giftcards
from peerx.products.giftcards.models import WithdrawalStatus
from peerx.rails import floats

WITHDRAWAL_STATUSES = tuple(WithdrawalStatus)  # for filters, in the product's order
WALLET_PREFIX = "party:"
FLOAT_PREFIX = "platform/float:"


def _party_id(account: ledger.LedgerAccount) -> int:
    return int(account.key.split("/", 1)[0].removeprefix(WALLET_PREFIX))


async def wallet_balances(
    platform: Platform,
    session: AsyncSession,
    *,
    currency: str | None = None,
    livemode: bool | None = None,
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Every party's wallet (all products), with the name of the merchant who owns it."""
    query = select(ledger.LedgerAccount).where(
        ledger.LedgerAccount.key.like(f"{WALLET_PREFIX}%/wallet/%"),
    )
    if currency:
        query = query.where(ledger.LedgerAccount.currency == currency.upper())
    if livemode is not None:
        query = query.where(ledger.LedgerAccount.livemode == livemode)
    accounts, total = await paginate(session, query.order_by(ledger.LedgerAccount.id), **page.window())
    ids = {_party_id(a) for a in accounts}
    names = dict((await session.execute(select(Party.id, Party.name).where(Party.id.in_(ids)))).all())
    items = [
        {
            "account_id": account.id,
            "key": account.key,
            "party_id": _party_id(account),
            "party_name": names.get(_party_id(account), ""),
            "livemode": account.livemode,
            "available": money(account.available, account.currency),
            "held": money(account.held, account.currency),
        }
        for account in accounts
    ]
    return page_dict(items, total, page)


def withdrawal_row(withdrawal: Any) -> dict[str, Any]:
    return {
        **giftcards.withdrawal_view(withdrawal),
        "id": withdrawal.id,
        "party_id": withdrawal.party_id,
        "livemode": withdrawal.livemode,
        "rail": withdrawal.rail,
        "provider_reference": withdrawal.provider_reference,
        "money": money(withdrawal.amount, withdrawal.currency),
        "settleable": withdrawal.status in (WithdrawalStatus.PENDING, WithdrawalStatus.PROCESSING),
    }


async def withdrawals(
    platform: Platform,
    session: AsyncSession,
    *,
    status: str | None = None,
    livemode: bool | None = None,
    when: DateRange = DateRange(),
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Gift-card withdrawals, newest first, with how many are in each status."""
    picked = choice("status", status, WITHDRAWAL_STATUSES)
    found, total = await queries.withdrawals_page(
        session, status=picked, livemode=livemode, period=when, **page.window()
    )
    listed = page_dict([withdrawal_row(w) for w in found], total, page)
    counts = await queries.withdrawal_status_counts(session, livemode=livemode)
    return {**listed, "counts": every_status(counts, WITHDRAWAL_STATUSES)}


async def withdrawal(platform: Platform, session: AsyncSession, *, reference: str) -> dict[str, Any]:
    found = await queries.withdrawal_by_reference(session, reference)
    if found is None:
        raise NotFound(f"withdrawal {reference} not found")
    return withdrawal_row(found)


async def rail_floats(platform: Platform, session: AsyncSession) -> list[dict[str, Any]]:
    """Each tracked float (rail, currency, mode): held at the operator, reserved, available."""
    accounts = await session.scalars(
        select(ledger.LedgerAccount)
        .where(ledger.LedgerAccount.key.like(f"{FLOAT_PREFIX}%"))
        .order_by(ledger.LedgerAccount.key)
    )
    rows = []
    for account in accounts:
        rail = account.key.removeprefix(FLOAT_PREFIX).split("/", 1)[0]
        view = await floats.get_float(session, rail, account.currency, account.livemode)
        assert view is not None  # the account exists, so the float is tracked
        rows.append(
            {
                "rail": rail,
                "livemode": view.livemode,
                "balance": money(view.balance, view.currency),
                "reserved": money(view.reserved, view.currency),
                "available": money(view.available, view.currency),
            }
        )
    return rows
