"""The live price source: Kraken's public ticker (a fake on 127.0.0.1), cached per process,
serving its last prices for a while when the ticker fails; the sandbox source stays default."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import httpx
import pytest

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.platform import Platform
from peerx.products.bitcoin.context import peach_of
from peerx.settings import Settings
from tests.fixtures.factories.bitcoin import PEACH
from tests.fixtures.fake_ticker import FakeTicker, start_fake_ticker


@pytest.fixture
def ticker() -> Iterator[FakeTicker]:
    started = start_fake_ticker()
    started.prices.update(EUR="80123.40000", CHF="74001.1", USD="86000.99")
    yield started
    started.stop()


def live(settings: Settings, ticker: FakeTicker, cache_seconds: int) -> Platform:
    return build_platform(
        settings.model_copy(
            update={
                "peach_price_source": "kraken",
                "peach_price_url": ticker.url,
                "peach_price_currencies": "EUR,CHF,USD,GBP",
                "peach_price_cache_seconds": cache_seconds,
            }
        )
    )


async def http_of(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(platform=platform), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://peerx.test") as http:
        yield http
    await platform.aclose()


async def test_the_sandbox_source_is_the_default(platform: Platform) -> None:
    assert peach_of(platform).prices.name == "sandbox"


async def test_prices_come_from_the_ticker_and_are_cached(settings: Settings, ticker: FakeTicker) -> None:
    async for http in http_of(live(settings, ticker, cache_seconds=60)):
        answer = await http.get(f"{PEACH}/market/price/btceur")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["pair"] == "BTCEUR" and Decimal(str(body["price"])) == Decimal("80123.40000")
        assert body["date"].startswith("20") and body["date"].endswith("Z")
        prices = (await http.get(f"{PEACH}/market/prices")).json()
        assert {c: Decimal(str(v)) for c, v in prices.items()} == {
            "EUR": Decimal("80123.4"),
            "CHF": Decimal("74001.1"),
            "USD": Decimal("86000.99"),
        }  # fmt: skip  (GBP: the ticker gave none)
        assert (await http.get(f"{PEACH}/market/price/BTCGBP")).json()["error"] == "NOT_FOUND"
        ticker.prices["EUR"] = "1.00"
        again = (await http.get(f"{PEACH}/market/price/BTCEUR")).json()
        assert Decimal(str(again["price"])) == Decimal("80123.4")  # from the cache
    assert ticker.requests == ["XBTEUR,XBTCHF,XBTUSD,XBTGBP"]


async def test_a_failing_ticker_serves_recent_prices_then_is_unavailable(
    settings: Settings, ticker: FakeTicker
) -> None:
    async for http in http_of(live(settings, ticker, cache_seconds=0)):
        assert Decimal(str((await http.get(f"{PEACH}/market/price/BTCCHF")).json()["price"])) == Decimal("74001.1")
        ticker.prices["CHF"] = "75000"
        assert Decimal(str((await http.get(f"{PEACH}/market/price/BTCCHF")).json()["price"])) == Decimal("75000")
        ticker.failing = True
        stale = await http.get(f"{PEACH}/market/price/BTCCHF")
        assert stale.status_code == 200 and Decimal(str(stale.json()["price"])) == Decimal("75000")
    assert len(ticker.requests) == 3
    async for http in http_of(live(settings, ticker, cache_seconds=0)):  # a new process knows nothing yet
        down = await http.get(f"{PEACH}/market/price/BTCCHF")
        assert down.status_code == 503 and down.json()["error"] == "SERVICE_UNAVAILABLE"


async def test_an_unknown_answer_is_unavailable_not_a_wrong_price(settings: Settings, ticker: FakeTicker) -> None:
    ticker.prices["EUR"] = "not a number"
    async for http in http_of(live(settings, ticker, cache_seconds=0)):
        answer = await http.get(f"{PEACH}/market/price/BTCEUR")
        assert answer.status_code == 503 and answer.json()["error"] == "SERVICE_UNAVAILABLE"
