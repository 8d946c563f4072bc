"""Operator read views of Peex remittances: partners with their solde (live and test), fees and
limit, and transactions by status. Amounts the partner sent keep their currency's decimals;
fees, limits and payouts are XAF."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import NotFound
from peerx.ops.views.common import PageRequest, choice, every_status, money, page_dict
from peerx.ops.views.listing import DateRange
from peerx.platform import Platform
from peerx.products.remittances import common, partners
from peerx.products.remittances import repository as queries
from peerx.products.remittances import service as remittances
from peerx.products.remittances.models import RemittanceStatus

XAF = common.CURRENCY
STATUSES = remittances.STATUSES  # a remittance's statuses, for filters


async def partner_list(
    platform: Platform, session: AsyncSession, *, page: PageRequest = PageRequest()
) -> dict[str, Any]:
    """Partners (parties with a Peex profile) with both soldes and their terms."""
    policy = common.Policy.from_settings(platform.settings)
    rows, total = await queries.partners_page(session, **page.window())
    items = []
    for partner, party in rows:
        items.append(
            {
                "account_id": party.id,
                "name": party.name,
                "email": party.email,
                "is_activated": partner.is_activated,
                "callback_url": partner.callback_url,
                "solde_live": money(await partners.solde(session, party.id, True), XAF),
                "solde_test": money(await partners.solde(session, party.id, False), XAF),
                "mtn_fee": money(partner.mtn_fees, XAF),
                "orange_fee": money(partner.orange_fees, XAF),
                "max_amount": money(partners.effective_max_amount(partner, policy), XAF),
                "max_amount_is_default": partner.max_amount is None,
            }
        )
    return page_dict(items, total, page)


def transaction_row(tx: Any) -> dict[str, Any]:
    return {
        **remittances.operator_view(tx),
        "sent": money(tx.amount, tx.from_currency),
        "paid_out": money(tx.to_amount, tx.to_currency),
        "fee_xaf": money(tx.fee, XAF),
        "sender": f"{tx.sender_first_name} {tx.sender_last_name}",
        "cancelable": tx.status in remittances.CANCELABLE,
        "retryable": tx.status in (RemittanceStatus.FAILED, *remittances.WAITING),
    }


async def transactions(
    platform: Platform,
    session: AsyncSession,
    *,
    status: str | None = None,
    livemode: bool | None = None,
    account_id: int | None = None,
    search: str | None = None,
    when: DateRange = DateRange(),
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Transactions newest first, filtered; `search` matches the track_id or the beneficiary
    (email or phone as the partner gave it)."""
    picked = choice("status", status, remittances.STATUSES)
    found, total = await queries.transactions_page(
        session, status=picked, livemode=livemode, party_id=account_id, search=search, period=when, **page.window()
    )
    listed = page_dict([transaction_row(tx) for tx in found], total, page)
    counts = await queries.status_counts(session, livemode=livemode)
    return {**listed, "counts": every_status(counts, remittances.STATUSES)}


async def transaction(platform: Platform, session: AsyncSession, *, transaction_id: int) -> dict[str, Any]:
    tx = await queries.get_transaction(session, transaction_id)
    if tx is None:
        raise NotFound(f"remittance {transaction_id} not found")
    return transaction_row(tx)
