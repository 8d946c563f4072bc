"""Market prices. The sandbox price source is the operator's (`peerx market set-price`), kept
in the database; reads are cached per process for a few seconds (PEERX_PEACH_PRICE_CACHE_SECONDS)."""

from __future__ import annotations

import re
import time
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.errors import NotFound
from peerx.products.bitcoin.failures import FormInvalid
from peerx.products.bitcoin.models import PeachPrice

PAIR = re.compile(r"^BTC([A-Z]{3,4})$")
SATS_PER_BTC = Decimal(100_000_000)

# (database url) -> (read at, {currency: (price, updated_at)})
_CACHE: dict[str, tuple[float, dict[str, tuple[Decimal, datetime]]]] = {}


def currency_of(pair: str) -> str:
    matched = PAIR.match(pair.upper())
    if matched is None:
        raise FormInvalid("pair", "must look like BTCEUR")
    return matched.group(1)


async def set_price(session: AsyncSession, pair: str, price: Decimal) -> PeachPrice:
    currency_of(pair)
    if not price.is_finite() or price <= 0 or price.as_tuple().exponent < -8:  # type: ignore[operator]
        raise FormInvalid("price", "must be greater than 0 with at most 8 decimals")
    row = await session.get(PeachPrice, pair.upper())
    if row is None:
        row = PeachPrice(pair=pair.upper(), price=price, updated_at=utcnow())
        session.add(row)
    else:
        row.price, row.updated_at = price, utcnow()
    await session.flush()
    _CACHE.clear()  # this process sees its own change at once
    return row


async def all_prices(session: AsyncSession, cache_seconds: int) -> dict[str, tuple[Decimal, datetime]]:
    key = str(session.get_bind().engine.url)
    cached = _CACHE.get(key)
    if cached is not None and time.monotonic() - cached[0] < cache_seconds:
        return cached[1]
    rows = await session.scalars(select(PeachPrice).order_by(PeachPrice.pair))
    prices = {currency_of(r.pair): (r.price, r.updated_at) for r in rows}
    _CACHE[key] = (time.monotonic(), prices)
    return prices


async def price(session: AsyncSession, pair: str, cache_seconds: int) -> tuple[Decimal, datetime]:
    found = (await all_prices(session, cache_seconds)).get(currency_of(pair))
    if found is None:
        raise NotFound(f"No price for {pair.upper()}.")
    return found


def fiat(amount_sats: int, market: Decimal, premium: Decimal | None) -> Decimal:
    """What `amount_sats` costs at the market price plus premium, to the cent (half up)."""
    value = market * amount_sats / SATS_PER_BTC * (1 + (premium or Decimal(0)) / 100)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
