"""With PEERX_REDIS_URL, a Peach chat message posted to one server process reaches the
counterparty's WebSocket held by another: live events fan out through Redis pub/sub."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.core.jobs import drain
from peerx.products.bitcoin.socket_hub import hub_of
from tests.conftest import REDIS_URL, REQUIRE_SERVICES, make_settings
from tests.fixtures.factories.bitcoin import App, set_price
from tests.products.bitcoin.social import Party, chat_message, connect, open_contract, read_message, ws_client

pytestmark = pytest.mark.redis
KEY = "feedface" * 8


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        if REQUIRE_SERVICES:
            pytest.fail("PEERX_TEST_REDIS_URL is required (PEERX_TEST_REQUIRE_SERVICES=1)")
        pytest.skip("Redis tests need PEERX_TEST_REDIS_URL")
    return REDIS_URL


async def test_a_message_posted_on_one_server_reaches_a_socket_on_another(tmp_path, database_url, redis_url):  # type: ignore[no-untyped-def]
    import pysequoia

    settings = make_settings(tmp_path, database_url, redis_url=redis_url)
    servers = [build_platform(settings), build_platform(settings)]  # as two `peerx serve` processes would
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(platform=servers[1])), base_url="http://t")
    try:
        await set_price(servers[1], "BTCEUR", "27455.04")
        seller = Party(await App(http).register(), pysequoia.Tsk.generate("s@peach.test"))
        buyer = Party(await App(http).register(), pysequoia.Tsk.generate("b@peach.test"))
        contract = await open_contract(servers[1], lambda: drain(servers[1].worker), seller.app, buyer.app)
        async with ws_client(servers[0]) as first, connect(first, buyer.app.headers) as socket:
            assert await socket.receive_json() == {"event": "connected"}
            sent = await seller.app.post(f"/contract/{contract}/chat", chat_message(seller, KEY, "via redis"))
            assert sent.status_code == 200
            event = await asyncio.wait_for(socket.receive_json(), 5)
            assert event["roomid"] == contract and read_message(event["message"], seller, KEY) == "via redis"
        assert not hub_of(servers[0]).connected(1) and not hub_of(servers[0]).connected(2)
    finally:
        await http.aclose()
        for platform in servers:
            await hub_of(platform).aclose()
            await platform.limiter.reset()
            await platform.aclose()
