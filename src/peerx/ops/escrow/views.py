"""Operator read views of Trustap escrow: transactions (online and face to face) by state, and the
complaints waiting for a decision with what each side put on record: the buyer's complaint, and
the seller's shipping (carrier, tracking code, delivery) or handover confirmation."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import NotFound
from peerx.ops.views.common import PageRequest, choice, money, page_dict
from peerx.ops.views.listing import DateRange
from peerx.platform import Platform
from peerx.products.escrow import online as escrow
from peerx.products.escrow import p2p
from peerx.products.escrow import repository as queries
from peerx.products.escrow.models import TransactionStatus

SETTLED = (TransactionStatus.FUNDS_RELEASED.value, TransactionStatus.FUNDS_REFUNDED.value)
ONLINE_STATUSES = (*escrow.STATUSES, *SETTLED)
P2P_STATUSES = (*p2p.STATUSES, *SETTLED)
MODELS: dict[str, tuple[str, ...]] = {"online": ONLINE_STATUSES, "p2p": P2P_STATUSES}


def _seller_record(tx: Any) -> dict[str, Any]:
    """What the seller put on record through the API (the document has no seller statement)."""
    if queries.is_online(tx):
        return {
            "tracking_carrier": tx.tracking_carrier,
            "tracking_code": tx.tracking_code,
            "tracked": tx.tracked,
            "delivered": tx.delivered,
        }
    return {
        "price_set": money(tx.price, tx.currency.upper()) if tx.price is not None else None,
        "seller_handover_confirmed": tx.seller_handover_confirmed,
        "buyer_handover_confirmed": tx.buyer_handover_confirmed,
    }


def _row(tx: Any, users: dict[int, str]) -> dict[str, Any]:
    online = queries.is_online(tx)
    view = escrow.tx_view(tx) if online else p2p.tx_view(tx)
    price = tx.price if tx.price is not None else tx.deposit_price if not online else 0
    return {
        "view": view,
        "id": tx.id,
        "model": "online" if online else "p2p",
        "status": tx.status,
        "livemode": tx.livemode,
        "description": tx.description,
        "price": money(price, tx.currency.upper()),
        "buyer": users.get(tx.buyer_id, "") if tx.buyer_id is not None else "",
        "seller": users.get(tx.seller_id, "") if tx.seller_id is not None else "",
        "complained": tx.complained,
        "buyer_statement": tx.complaint,
        "seller_record": _seller_record(tx),
        "decidable": tx.status == "complained",
    }


async def transactions(
    platform: Platform,
    session: AsyncSession,
    *,
    model: str = "online",
    status: str | None = None,
    livemode: bool | None = None,
    when: DateRange = DateRange(),
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Transactions of one model (online or p2p) newest first, with counts per state."""
    picked_model = choice("model", model, tuple(MODELS)) or "online"
    statuses = MODELS[picked_model]
    picked = choice("status", status, statuses)
    rows, total = await queries.transactions_page(
        session, model=picked_model, status=picked, livemode=livemode, period=when, **page.window()
    )
    users = await queries.user_emails(session, rows)
    found = await queries.status_counts(session, model=picked_model, livemode=livemode)
    return {
        **page_dict([_row(tx, users) for tx in rows], total, page),
        "model": picked_model,
        "statuses": statuses,
        "counts": {name: int(found.get(name, 0)) for name in statuses},
    }


async def complaints(
    platform: Platform, session: AsyncSession, *, model: str = "online", page: PageRequest = PageRequest()
) -> dict[str, Any]:
    """Complained transactions waiting for the operator, oldest complaint first."""
    picked_model = choice("model", model, tuple(MODELS)) or "online"
    rows, total = await queries.complaints_page(session, model=picked_model, **page.window())
    users = await queries.user_emails(session, rows)
    return {**page_dict([_row(tx, users) for tx in rows], total, page), "model": picked_model}


async def transaction(platform: Platform, session: AsyncSession, *, transaction_id: int, model: str) -> dict[str, Any]:
    picked_model = choice("model", model, tuple(MODELS)) or "online"
    tx = await queries.get_transaction(session, model=picked_model, transaction_id=transaction_id)
    if tx is None:
        raise NotFound(f"transaction {transaction_id} not found")
    return _row(tx, await queries.user_emails(session, [tx]))
