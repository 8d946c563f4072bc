"""RailRegistry.from_settings: connectors per country from PEERX_MTN_MOMO_* / PEERX_ORANGE_MONEY_*,
the sandbox rail in test mode, the manual rail where nothing is configured; and the DB-backed
PayTokenStore Orange Money relies on."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from peerx.core.db import Database
from peerx.core.http import OutboundClient
from peerx.rails.mtn_momo.client import MtnMomoRail
from peerx.rails.mtn_momo.settings import mtn_momo_configs
from peerx.rails.orange_money.client import OrangeMoneyRail, PayTokenAlreadyStored
from peerx.rails.payouts import PayoutRequest, PayoutStatus
from peerx.rails.paytokens import DbPayTokenStore
from peerx.rails.registry import RailRegistry
from peerx.settings import Settings
from tests.fixtures import fake_orange
from tests.fixtures.fake_orange import FakeOrange, OrangeBehaviour

MTN = {
    "mtn_momo_base_url": "https://sandbox.momodeveloper.mtn.com",
    "mtn_momo_api_user": "3f1c9d8e-5b7a-4c2e-9f10-6a8b7c6d5e4f",
    "mtn_momo_api_key": "k",
    "mtn_momo_subscription_key": "s",
}
ORANGE = {
    "orange_money_base_url": "https://api-s1.orange.cm",
    "orange_money_client_id": "id",
    "orange_money_client_secret": "secret",
    "orange_money_api_username": "user",
    "orange_money_api_password": "pw",
    "orange_money_channel_msisdn": "691301143",
    "orange_money_pin": "2222",
}


@pytest.fixture
async def outbound():  # type: ignore[no-untyped-def]
    client = OutboundClient(timeout_seconds=1, allow_private=True)
    yield client
    await client.aclose()


async def test_nothing_configured_means_sandbox_in_test_mode_and_manual_in_live(outbound):
    registry = RailRegistry.from_settings(Settings(), outbound)
    assert registry.for_method("mtn_momo", livemode=False, country="CM").name == "sandbox"
    assert registry.for_method("mtn_momo", livemode=True, country="GH").name == "manual"
    assert registry.by_name("manual").name == "manual" and registry.by_name("sandbox").name == "sandbox"


async def test_mtn_per_country_and_orange_for_cameroon(outbound, database_url):
    settings = Settings(
        **MTN,
        **ORANGE,
        mtn_momo_countries="gh, CM",
        mtn_momo_callback_url="https://peerx.example/rails/v1/mtn_momo/callback",
        mtn_momo_overrides={"CM": {"target_environment": "mtncameroon", "api_key": "cm-key"}},
    )
    db = Database(database_url)
    try:
        registry = RailRegistry.from_settings(settings, outbound, db)
    finally:
        await db.dispose()
    ghana, cameroon = registry.live[("mtn_momo", "GH")], registry.live[("mtn_momo", "CM")]
    assert isinstance(ghana, MtnMomoRail) and isinstance(cameroon, MtnMomoRail)
    assert isinstance(registry.live[("orange_money", "CM")], OrangeMoneyRail)
    assert ("orange_money", "GH") not in registry.live  # Orange Money does not operate in Ghana
    assert registry.for_method("mtn_momo", livemode=True, country="CM") is cameroon
    assert registry.for_method("mtn_momo", livemode=True, country="GH") is ghana
    assert registry.by_name("mtn_momo", country="CM") is cameroon
    assert registry.for_method("orange_money", livemode=True, country="GH").name == "manual"
    assert registry.for_method("mtn_momo", livemode=False, country="CM").name == "sandbox"
    with pytest.raises(LookupError):
        registry.by_name("orange_money", country="GH")
    configs = mtn_momo_configs(settings)
    assert (configs["GH"].target_environment, configs["GH"].api_key) == ("sandbox", "k")
    assert (configs["CM"].target_environment, configs["CM"].api_key) == ("mtncameroon", "cm-key")
    assert configs["CM"].callback_url == "https://peerx.example/rails/v1/mtn_momo/callback"
    assert "cm-key" not in repr(configs["CM"]) and "cm-key" not in repr(settings)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({**MTN}, "PEERX_MTN_MOMO_COUNTRIES"),
        ({**MTN, "mtn_momo_countries": "CM", "mtn_momo_api_key": ""}, "PEERX_MTN_MOMO_API_KEY"),
        ({**MTN, "mtn_momo_countries": "CM", "mtn_momo_overrides": {"CM": {"pin": "1"}}}, "unknown keys: pin"),
        ({**ORANGE, "orange_money_pin": ""}, "PEERX_ORANGE_MONEY_PIN"),
    ],
)
async def test_incomplete_configuration_is_refused_at_start(outbound, values, message):
    db = Database("sqlite+aiosqlite://")
    try:
        with pytest.raises(ValueError, match=message):
            RailRegistry.from_settings(Settings(**values), outbound, db)
    finally:
        await db.dispose()


async def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PEERX_MTN_MOMO_COUNTRIES", "GH")
    monkeypatch.setenv("PEERX_MTN_MOMO_OVERRIDES", '{"GH": {"target_environment": "mtnghana"}}')
    monkeypatch.setenv("PEERX_ORANGE_MONEY_BASE_URL", "https://api-s1.orange.cm")
    settings = Settings()
    assert settings.mtn_momo_overrides == {"GH": {"target_environment": "mtnghana"}}
    assert settings.orange_money_base_url == "https://api-s1.orange.cm"


async def test_db_pay_token_store_is_durable_and_first_writer_wins(database_url):
    db = Database(database_url)
    try:
        store = DbPayTokenStore(db)
        assert await store.get("ref-1") is None
        await store.put("ref-1", "CI0001")
        await store.put("ref-1", "CI0001")  # the same token again: nothing happens
        with pytest.raises(PayTokenAlreadyStored) as raced:
            await store.put("ref-1", "CI0002")
        assert raced.value.pay_token == "CI0001"
        another_process = Database(database_url)
        try:
            assert await DbPayTokenStore(another_process).get("ref-1") == "CI0001"
        finally:
            await another_process.dispose()
        with pytest.raises(RuntimeError):
            await store.put("ref-2", "CI0001")  # one payToken, one payout
    finally:
        await db.dispose()


async def test_a_restarted_worker_never_pays_a_stored_pay_token_again(
    database_url, fake_orange_api: FakeOrange, orange_config
):
    """The first process times out on pay; a new process (new rail, new HTTP client, same
    database) finds the payToken and asks its status instead of paying again."""
    fake_orange_api.behave("699123456", OrangeBehaviour.slow_once(0.8))
    request = PayoutRequest(str(uuid.uuid4()), 1500, "XAF", "237699123456", country="CM")
    db = Database(database_url)
    try:
        async with httpx.AsyncClient() as first_client:
            first = OrangeMoneyRail(orange_config, first_client, DbPayTokenStore(db))
            with pytest.raises(Exception, match="timed out"):
                await first.send(request)
        async with httpx.AsyncClient() as second_client:
            second = OrangeMoneyRail(orange_config, second_client, DbPayTokenStore(db))
            results = await asyncio.gather(second.send(request), second.status(request))
    finally:
        await db.dispose()
    assert [r.status for r in results] == [PayoutStatus.SUCCEEDED, PayoutStatus.SUCCEEDED]
    assert len(fake_orange_api.init_posts()) == len(fake_orange_api.pay_posts()) == 1
    assert fake_orange_api.pay_posts()[0].json()["channelUserMsisdn"] == fake_orange.CHANNEL_MSISDN
