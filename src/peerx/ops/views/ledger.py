"""Operator read views of the ledger: accounts with their four totals, and transfers (newest
first) naming both accounts. `peerx ledger verify` is ops.actions.verify_ledger."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import paginate
from peerx.core.errors import InvalidField
from peerx.core.ledger import LedgerAccount, LedgerTransfer, TransferKind
from peerx.ops.views.common import PageRequest, choice, money, page_dict, page_of
from peerx.ops.views.listing import DateRange
from peerx.platform import Platform


def account_row(account: LedgerAccount) -> dict[str, Any]:
    cur = account.currency
    return {
        "id": account.id,
        "key": account.key,
        "currency": cur,
        "livemode": account.livemode,
        "flag": account.flag,
        "debits_pending": money(account.debits_pending, cur),
        "debits_posted": money(account.debits_posted, cur),
        "credits_pending": money(account.credits_pending, cur),
        "credits_posted": money(account.credits_posted, cur),
        # Liabilities grow by credits, assets (floats, funding) by debits: show the net both ways.
        "net_credit": money(account.credits_posted - account.debits_posted, cur),
    }


async def accounts(
    platform: Platform,
    session: AsyncSession,
    *,
    search: str | None = None,
    currency: str | None = None,
    livemode: bool | None = None,
    when: DateRange = DateRange(),
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Accounts by id; `search` is a part of the key (e.g. party:12, float:, /fees/)."""
    query = when.apply(select(LedgerAccount), LedgerAccount.created_at)
    if search:
        query = query.where(LedgerAccount.key.contains(search.strip(), autoescape=True))
    if currency:
        query = query.where(LedgerAccount.currency == currency.strip().upper())
    if livemode is not None:
        query = query.where(LedgerAccount.livemode == livemode)
    return await page_of(session, query.order_by(LedgerAccount.id), page, account_row)


async def transfers(
    platform: Platform,
    session: AsyncSession,
    *,
    account_id: int | None = None,
    code: str | None = None,
    reference: str | None = None,
    kind: str | None = None,
    when: DateRange = DateRange(),
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Transfers newest first; filters: one account (either side), code prefix, exact reference."""
    picked_kind = choice("kind", kind, tuple(TransferKind))
    query = when.apply(select(LedgerTransfer), LedgerTransfer.created_at)
    if account_id is not None:
        if account_id < 1:
            raise InvalidField("account_id", "must be an account id")
        query = query.where(
            or_(LedgerTransfer.debit_account_id == account_id, LedgerTransfer.credit_account_id == account_id)
        )
    if code:
        query = query.where(LedgerTransfer.code.startswith(code.strip(), autoescape=True))
    if reference:
        query = query.where(LedgerTransfer.reference == reference.strip())
    if picked_kind is not None:
        query = query.where(LedgerTransfer.kind == picked_kind)
    rows, total = await paginate(session, query.order_by(LedgerTransfer.id.desc()), **page.window())
    ids = {i for t in rows for i in (t.debit_account_id, t.credit_account_id)}
    keys = dict(
        (await session.execute(select(LedgerAccount.id, LedgerAccount.key).where(LedgerAccount.id.in_(ids)))).all()
    )
    items = [
        {
            "id": t.id,
            "kind": t.kind,
            "code": t.code,
            "reference": t.reference,
            "livemode": t.livemode,
            "debit_account": {"id": t.debit_account_id, "key": keys.get(t.debit_account_id, "")},
            "credit_account": {"id": t.credit_account_id, "key": keys.get(t.credit_account_id, "")},
            "amount": money(t.amount, t.currency),
            "pending_id": t.pending_id,
            "pending_state": t.pending_state,
            "created_at": t.created_at,
        }
        for t in rows
    ]
    return page_dict(items, total, page)
