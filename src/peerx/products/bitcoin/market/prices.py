"""Market prices from one price source (PEERX_PEACH_PRICE_SOURCE):

- `sandbox` (default): the operator's (`peerx market set-price`), kept in the database;
- `kraken`: Kraken's public ticker (GET /0/public/Ticker?pair=XBTEUR,...; the last trade price
  `c[0]`), through peerx's one outbound client.

Reads are cached per process for PEERX_PEACH_PRICE_CACHE_SECONDS. When the ticker fails, the
last prices it gave are served for up to STALE_SECONDS, then SERVICE_UNAVAILABLE."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.encoding import loads
from peerx.core.errors import NotFound
from peerx.core.http import OutboundClient, TargetNotAllowed
from peerx.products.bitcoin.errors import FormInvalid, PriceUnavailable
from peerx.products.bitcoin.market import repository
from peerx.products.bitcoin.models import PeachPrice

PAIR = re.compile(r"^BTC([A-Z]{3,4})$")
SATS_PER_BTC = Decimal(100_000_000)
STALE_SECONDS = 600

Prices = dict[str, tuple[Decimal, datetime]]  # currency -> (price of 1 BTC, as of)


class PriceSource(Protocol):
    name: str

    async def prices(self, session: AsyncSession) -> Prices: ...


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
    row = await repository.price(session, pair.upper())
    if row is None:
        row = PeachPrice(pair=pair.upper(), price=price, updated_at=utcnow())
        session.add(row)
    else:
        row.price, row.updated_at = price, utcnow()
    await session.flush()
    _CACHE.clear()  # this process sees its own change at once
    return row


class SandboxPrices:
    """The operator's prices in peach_prices."""

    name = "sandbox"

    def __init__(self, cache_seconds: int):
        self.cache_seconds = cache_seconds

    async def prices(self, session: AsyncSession) -> Prices:
        key = str(session.get_bind().engine.url)
        cached = _CACHE.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.cache_seconds:
            return cached[1]
        rows = await repository.prices(session)
        prices = {currency_of(r.pair): (r.price, r.updated_at) for r in rows}
        _CACHE[key] = (time.monotonic(), prices)
        return prices


class KrakenTicker:
    """Kraken's public ticker: one request for every configured currency. Its answer names
    pairs its own way (XXBTZEUR, XBTCHF), so each is matched by the currency it ends with."""

    name = "kraken"

    def __init__(self, base_url: str, currencies: list[str], outbound: OutboundClient, cache_seconds: int):
        self.base_url = base_url.rstrip("/")
        self.currencies = currencies
        self.outbound = outbound
        self.cache_seconds = cache_seconds
        self._cached: tuple[float, Prices] | None = None
        self._lock = asyncio.Lock()  # one request refreshes the cache; the others wait for it

    async def prices(self, session: AsyncSession) -> Prices:
        async with self._lock:
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self.cache_seconds:
                return self._cached[1]
            try:
                fresh = await self._fetch()
            except PriceUnavailable:
                if self._cached is not None and now - self._cached[0] < STALE_SECONDS:
                    return self._cached[1]
                raise
            self._cached = (now, fresh)
            return fresh

    async def _fetch(self) -> Prices:
        pairs = ",".join(f"XBT{c}" for c in self.currencies)
        try:
            response = await self.outbound.client.get(f"{self.base_url}/0/public/Ticker", params={"pair": pairs})
        except (httpx.HTTPError, TargetNotAllowed) as exc:
            raise PriceUnavailable(f"The price ticker is unreachable: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise PriceUnavailable(f"The price ticker answered {response.status_code}.")
        try:
            data: Any = loads(response.content)
            if data.get("error"):
                raise PriceUnavailable(f"The price ticker answered an error: {data['error'][0]}")
            result = data["result"]
            as_of = utcnow()
            prices: Prices = {}
            for currency in self.currencies:
                ticks = [t for name, t in result.items() if name.endswith(currency)]
                if len(ticks) == 1:
                    value = Decimal(str(ticks[0]["c"][0]))
                    if value.is_finite() and value > 0:
                        prices[currency] = (value, as_of)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, InvalidOperation):
            raise PriceUnavailable("The price ticker answered in an unknown shape.") from None
        return prices


def price_source(
    source: str, *, cache_seconds: int, url: str, currencies: str, outbound: OutboundClient
) -> PriceSource:
    if source == "kraken":
        wanted = [c.strip().upper() for c in currencies.split(",") if c.strip()]
        return KrakenTicker(url, wanted, outbound, cache_seconds)
    return SandboxPrices(cache_seconds)


async def all_prices(session: AsyncSession, source: PriceSource) -> Prices:
    return await source.prices(session)


async def price(session: AsyncSession, pair: str, source: PriceSource) -> tuple[Decimal, datetime]:
    found = (await all_prices(session, source)).get(currency_of(pair))
    if found is None:
        raise NotFound(f"No price for {pair.upper()}.")
    return found


def fiat(amount_sats: int, market: Decimal, premium: Decimal | None) -> Decimal:
    """What `amount_sats` costs at the market price plus premium, to the cent (half up)."""
    value = market * amount_sats / SATS_PER_BTC * (1 + (premium or Decimal(0)) / 100)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
