"""Fixtures for the rail tests: real local HTTP fakes of MTN MoMo and Orange Money.

One server per fake for the whole session (starting uvicorn per test would dominate the run
time); each test gets it reset to a clean state. Clients use a 0.3 s timeout so the "slower
than the client" behaviours stay cheap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from peerx.rails.mtn_momo.client import MtnMomoRail
from peerx.rails.mtn_momo.settings import MtnMomoConfig
from peerx.rails.orange_money.client import InMemoryPayTokenStore, OrangeMoneyRail
from peerx.rails.orange_money.settings import OrangeMoneyConfig
from tests.fixtures import fake_momo, fake_orange
from tests.fixtures.fake_momo import FakeMomo
from tests.fixtures.fake_orange import FakeOrange

CLIENT_TIMEOUT = 0.3  # test modules stall the fakes for 0.8 s to outlast it


@pytest.fixture(scope="session")
def momo_server() -> Iterator[FakeMomo]:
    with FakeMomo().running() as fake:
        yield fake


@pytest.fixture
def fake_momo_api(momo_server: FakeMomo) -> FakeMomo:
    momo_server.reset()
    return momo_server


@pytest.fixture(scope="session")
def orange_server() -> Iterator[FakeOrange]:
    with FakeOrange().running() as fake:
        yield fake


@pytest.fixture
def fake_orange_api(orange_server: FakeOrange) -> FakeOrange:
    orange_server.reset()
    return orange_server


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def momo_config(fake_momo_api: FakeMomo) -> MtnMomoConfig:
    return MtnMomoConfig(
        base_url=fake_momo_api.base_url,
        api_user=fake_momo.API_USER,
        api_key=fake_momo.API_KEY,
        subscription_key=fake_momo.SUBSCRIPTION_KEY,
        target_environment="sandbox",
        callback_url="https://peerx.example/callbacks/mtn",
        timeout_seconds=CLIENT_TIMEOUT,
    )


@pytest.fixture
def mtn_rail(momo_config: MtnMomoConfig, http_client: httpx.AsyncClient) -> MtnMomoRail:
    return MtnMomoRail(momo_config, http_client)


@pytest.fixture
def orange_config(fake_orange_api: FakeOrange) -> OrangeMoneyConfig:
    return OrangeMoneyConfig(
        base_url=fake_orange_api.base_url,
        client_id=fake_orange.CLIENT_ID,
        client_secret=fake_orange.CLIENT_SECRET,
        api_username=fake_orange.API_USERNAME,
        api_password=fake_orange.API_PASSWORD,
        channel_msisdn=fake_orange.CHANNEL_MSISDN,
        pin=fake_orange.PIN,
        notify_url="https://peerx.example/callbacks/orange",
        timeout_seconds=CLIENT_TIMEOUT,
    )


@pytest.fixture
def pay_tokens() -> InMemoryPayTokenStore:
    return InMemoryPayTokenStore()


@pytest.fixture
def orange_rail(
    orange_config: OrangeMoneyConfig, http_client: httpx.AsyncClient, pay_tokens: InMemoryPayTokenStore
) -> OrangeMoneyRail:
    return OrangeMoneyRail(orange_config, http_client, pay_tokens)
