"""Operator read views of Peach (bitcoin): offers and contracts by status, and one contract with
its dispute and, once a party handed the mediator the chat key, its (still encrypted) chat.
Amounts are sats shown as BTC; prices keep their fiat currency's decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import Forbidden, NotFound
from peerx.core.money import EXPONENTS
from peerx.ops.bitcoin import actions as bitcoin_ops
from peerx.ops.bitcoin import chat as bitcoin_chat
from peerx.ops.views.common import PageRequest, choice, money, page_dict
from peerx.platform import Platform
from peerx.products.bitcoin import repository as queries

OFFER_TYPES = ("bid", "ask")
BTC = "BTC"


def fiat(amount_minor: int, currency: str) -> dict[str, Any]:
    """A price in its currency; Peach currencies outside ISO 4217's table use 2 decimals."""
    if currency.upper() in EXPONENTS:
        return money(amount_minor, currency.upper())
    return {"amount": Decimal(amount_minor).scaleb(-2), "currency": currency.upper()}


async def offers(
    platform: Platform,
    session: AsyncSession,
    *,
    type: str | None = None,
    status: str | None = None,
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Offers newest first; `status` is the offer's tradeStatus (searchingForPeer, ...)."""
    picked = choice("type", type, OFFER_TYPES)
    rows, total = await queries.offers_page(
        session, type=picked, status=status.strip() if status else None, **page.window()
    )
    keys = await queries.public_keys(session, {o.user_id for o in rows})
    items = [
        {
            "id": o.id,
            "type": o.type,
            "user": keys.get(o.user_id, ""),
            "amount_min": money(o.amount_min, BTC),
            "amount_max": money(o.amount_max, BTC),
            "premium_pct": Decimal(o.premium_bp if o.premium_bp is not None else o.max_premium_bp or 0).scaleb(-2),
            "means_of_payment": o.means_of_payment,
            "online": o.online,
            "trade_status": o.trade_status,
            "created_at": o.created_at,
        }
        for o in rows
    ]
    return page_dict(items, total, page)


def contract_row(contract: Any, keys: dict[int, str]) -> dict[str, Any]:
    return {
        "id": contract.id,
        "seller": keys.get(contract.seller_id, ""),
        "buyer": keys.get(contract.buyer_id, ""),
        "amount": money(contract.amount, BTC),
        "price": fiat(contract.price_minor, contract.currency),
        "payment_method": contract.payment_method,
        "trade_status": contract.trade_status,
        "dispute_active": contract.dispute_active,
        "disputed": contract.dispute_date is not None,
        "created_at": contract.created_at,
    }


async def contracts(
    platform: Platform,
    session: AsyncSession,
    *,
    status: str | None = None,
    disputed: bool = False,
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Contracts newest first; `disputed` keeps those with a dispute (open or decided)."""
    rows, total = await queries.contracts_page(
        session,
        status=status.strip() if status else None,
        disputed=disputed,
        **page.window(),
    )
    keys = await queries.public_keys(session, {i for c in rows for i in (c.seller_id, c.buyer_id)})
    return page_dict([contract_row(c, keys) for c in rows], total, page)


async def contract(
    platform: Platform, session: AsyncSession, *, contract_id: str, chat_page: int = 0
) -> dict[str, Any]:
    """A contract, its dispute (as the ops API shows it) and the chat its parties revealed."""
    found = await queries.get_contract(session, contract_id)
    if found is None:
        raise NotFound("Contract not found.")
    row = contract_row(found, await queries.public_keys(session, {found.seller_id, found.buyer_id}))
    dispute = bitcoin_ops.dispute_view(found) if found.dispute_date is not None else None
    try:
        chat = await bitcoin_chat.disputed_chat(platform, session, contract_id=found.id, page=chat_page)
    except Forbidden:
        chat = None  # private: no party handed the mediator the key
    return {**row, "dispute": dispute, "chat": chat, "decidable": found.dispute_active}
