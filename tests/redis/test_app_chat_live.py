"""With PEERX_REDIS_URL, the app's root socket on one server gets the chat frames another
server's socket took: the seller's message reaches the buyer's socket, and its echo (the app's
proof of sending) reaches the seller's, across processes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.core.jobs import drain
from peerx.products.bitcoin.socket_hub import hub_of
from tests.conftest import REDIS_URL, REQUIRE_SERVICES, make_settings
from tests.fixtures.factories.bitcoin import App, set_price
from tests.products.bitcoin import contract_helpers as flow
from tests.products.bitcoin.social import ws_client
from tests.products.bitcoin.test_app_chat import app_socket_of, chat_frame, opened, receive, sign_in

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        if REQUIRE_SERVICES:
            pytest.fail("PEERX_TEST_REDIS_URL is required (PEERX_TEST_REQUIRE_SERVICES=1)")
        pytest.skip("Redis tests need PEERX_TEST_REDIS_URL")
    return REDIS_URL


async def test_a_chat_frame_on_one_server_reaches_the_app_socket_on_another(
    tmp_path: Any, database_url: str, redis_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, redis_url=redis_url)
    servers = [build_platform(settings), build_platform(settings)]  # as two `peerx serve` processes would
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(platform=servers[1])), base_url="http://t")
    try:
        await set_price(servers[1], "BTCEUR", "27455.04")
        seller, buyer = await App(http).register(), await App(http).register()
        contract, *_ = await flow.open_contract(seller, buyer, servers[1], lambda: drain(servers[1].worker))
        async with (
            ws_client(servers[0]) as first,
            ws_client(servers[1]) as second,
            app_socket_of(first) as seller_ws,
            app_socket_of(second) as buyer_ws,
        ):
            await sign_in(seller_ws, seller)
            await sign_in(buyer_ws, buyer)
            await seller_ws.send_json(chat_frame(seller, contract, flow.CHAT_KEY, "via redis"))
            got = await receive(buyer_ws)
            assert got["roomId"] == f"contract-{contract}" and opened(got, seller, flow.CHAT_KEY) == "via redis"
            assert (await receive(seller_ws)) == got
            await buyer_ws.send_json(
                {"path": "/v1/contract/chat/received", "contractId": contract, "start": got["date"], "end": got["date"]}
            )
            assert (await asyncio.wait_for(receive(seller_ws), 5))["readBy"] == [seller.id, buyer.id]
    finally:
        await http.aclose()
        for platform in servers:
            await hub_of(platform).aclose()
            await platform.limiter.reset()
            await platform.aclose()
