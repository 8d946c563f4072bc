"""Operator actions of the gift-card desk: rates, trade review, payouts settled by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import InvalidField, NotFound
from peerx.core.storage import StoredFile
from peerx.platform import Platform
from peerx.products.giftcards import repository as queries
from peerx.products.giftcards import service as giftcards
from peerx.products.giftcards.models import TRADE_STATUSES, TradeStatus


async def set_rate(
    platform: Platform,
    session: AsyncSession,
    *,
    card_type_id: int,
    card_name: str,
    country: str,
    currency: str,
    rate: Decimal,
    fee_pct: Decimal,
    active: bool,
) -> dict[str, Any]:
    saved = await giftcards.set_rate(
        session,
        card_type_id=card_type_id,
        card_name=card_name,
        country=country,
        currency=currency,
        rate_per_unit=rate,
        fee_pct=fee_pct,
        active=active,
    )
    return {"id": saved.id, "active": saved.active, **giftcards.rate_view(saved)}


async def approve_trade(
    platform: Platform, session: AsyncSession, *, reference: str, card_amount: Decimal | None
) -> dict[str, Any]:
    return giftcards.trade_view(await giftcards.approve_trade(session, reference, card_amount=card_amount))


async def reject_trade(platform: Platform, session: AsyncSession, *, reference: str, reason: str) -> dict[str, Any]:
    return giftcards.trade_view(await giftcards.reject_trade(session, reference, reason=reason))


async def settle_withdrawal(
    platform: Platform, session: AsyncSession, *, reference: str, paid: bool, note: str
) -> dict[str, Any]:
    return giftcards.withdrawal_view(await giftcards.settle_withdrawal(session, reference, paid=paid, note=note))


# ---------------------------------------------------------------- reads for the console


def _rate_row(rate: Any) -> dict[str, Any]:
    return {"id": rate.id, "active": rate.active, **giftcards.rate_view(rate)}


async def list_rates(platform: Platform, session: AsyncSession) -> list[dict[str, Any]]:
    return [_rate_row(rate) for rate in await queries.all_rates(session)]


async def get_rate(platform: Platform, session: AsyncSession, *, rate_id: int) -> dict[str, Any]:
    return _rate_row(await queries.rate_by_id(session, rate_id))


def _trade_row(trade: Any) -> dict[str, Any]:
    # The wire view plus what only operators see: which merchant, which mode, which images.
    return {
        **giftcards.trade_view(trade),
        "party_id": trade.party_id,
        "livemode": trade.livemode,
        "images": [kind for kind in giftcards.TRADE_IMAGES if giftcards.trade_image_id(trade, kind) is not None],
        "has_card_number": trade.card_number_encrypted is not None,
    }


async def list_trades(
    platform: Platform,
    session: AsyncSession,
    *,
    status: str | None,
    search: str | None,
    oldest_first: bool = False,
    page: int,
    per_page: int,
) -> dict[str, Any]:
    if status is not None and status not in TRADE_STATUSES:
        raise InvalidField("status", f"must be one of {', '.join(TRADE_STATUSES)}")
    rows, total = await queries.search_trades(
        session, status=status, search=search, oldest_first=oldest_first, page=page, per_page=per_page
    )
    return {"trades": [_trade_row(trade) for trade in rows], "total": total, "page": page, "per_page": per_page}


async def review_queue(platform: Platform, session: AsyncSession, *, page: int, per_page: int) -> dict[str, Any]:
    """The trades waiting for a decision, oldest first."""
    return await list_trades(
        platform, session, status=TradeStatus.PENDING, search=None, oldest_first=True, page=page, per_page=per_page
    )


async def get_trade(platform: Platform, session: AsyncSession, *, reference: str) -> dict[str, Any]:
    return _trade_row(await queries.trade_by_reference(session, reference))


async def trade_image(platform: Platform, session: AsyncSession, *, reference: str, kind: str) -> dict[str, Any]:
    """The bytes of one of a trade's uploaded images, with the type detected when it was stored."""
    trade = await queries.trade_by_reference(session, reference)
    file_id = giftcards.trade_image_id(trade, kind)
    stored = await session.get(StoredFile, file_id) if file_id is not None else None
    if stored is None:
        raise NotFound(f"trade {reference} has no {kind} image")
    return {"content_type": stored.content_type, "data": await platform.files.read(stored)}


async def reveal_card_number(platform: Platform, session: AsyncSession, *, reference: str) -> dict[str, Any]:
    trade = await queries.trade_by_reference(session, reference)
    return {"reference": reference, "card_number": giftcards.card_number(platform.keys.cipher, trade)}
