"""With PEERX_REDIS_URL, every server process counts against the same per-key budget."""

from __future__ import annotations

import uuid

import httpx
import pytest

from peerx.app import create_app
from peerx.composition import build_platform
from tests.conftest import REDIS_URL, REQUIRE_SERVICES, make_settings
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        if REQUIRE_SERVICES:
            pytest.fail("PEERX_TEST_REDIS_URL is required (PEERX_TEST_REQUIRE_SERVICES=1)")
        pytest.skip("Redis tests need PEERX_TEST_REDIS_URL")
    return REDIS_URL


async def test_two_processes_share_one_budget(tmp_path, database_url, redis_url):
    settings = make_settings(tmp_path, database_url, redis_url=redis_url)
    servers = [build_platform(settings), build_platform(settings)]  # as two `peerx serve` processes would
    try:
        account = await f.merchant(servers[0], email=f"{uuid.uuid4().hex}@example.com")
        key = account["peertupeer"]["live_key"]
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(platform=p)), base_url="http://peerx.test")
            for p in servers
        ]
        codes = []
        for i in range(101):
            resp = await clients[i % 2].get(f"{cards.PTP}/wallet.php", headers={"X-API-Key": key})
            codes.append(resp.status_code)
        assert codes[:100] == [200] * 100 and codes[100] == 429
        for client in clients:
            await client.aclose()
    finally:
        for platform in servers:
            await platform.limiter.reset()
            await platform.aclose()
