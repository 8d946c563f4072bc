"""Push notices: queued with the step that causes them, delivered by the job worker through the
configured provider. The FCM HTTP v1 connector runs against a local fake of FCM and Google's
token endpoint: a signed service-account assertion buys a bearer token, messages:send carries
the notice, a dead device token is cleared from the user, outages are retried."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from peerx.core.clock import clock
from peerx.core.jobs import DONE, QUEUED, Job
from peerx.platform import Platform
from peerx.products.bitcoin.push.delivery import FcmProvider, PushUnavailable, ServiceAccount, provider_of
from peerx.settings import Settings
from tests.conftest import make_settings
from tests.fixtures.fake_fcm import CLIENT_EMAIL, PROJECT, FakeFcm
from tests.products.bitcoin.social import Party, chat_message, open_contract, party

KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"


@pytest.fixture
def fcm() -> Iterator[FakeFcm]:
    with FakeFcm().running() as fake:
        yield fake


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path, database_url: str) -> Settings:
    if "fcm" not in request.fixturenames:
        return make_settings(tmp_path, database_url)
    fake: FakeFcm = request.getfixturevalue("fcm")
    return make_settings(
        tmp_path,
        database_url,
        peach_push_provider="fcm",
        peach_fcm_project_id=PROJECT,
        peach_fcm_service_account=fake.service_account_json(),
        peach_fcm_url=fake.base_url,
    )


async def chat_pushes(platform: Platform) -> list[Job]:
    """The queued `contract.chat` notices, oldest first."""
    async with platform.db.transaction() as session:
        jobs = await session.scalars(select(Job).where(Job.kind == "peach.push").order_by(Job.id))
        return [job for job in jobs if job.payload["event"] == "contract.chat"]


async def chat_between(app_factory: Any, platform: Platform, token: str, run_jobs: Any) -> tuple[Party, Party, str]:
    """Two apps in a contract (the buyer's device registered), the contract's own notices sent."""
    seller, buyer = await party(app_factory), await party(app_factory)
    assert (await buyer.app.patch("/user", {"fcmToken": token})).status_code == 200
    contract = await open_contract(platform, run_jobs, seller.app, buyer.app)
    await run_jobs()
    return seller, buyer, contract


async def test_log_provider_by_default(
    app_factory: Any, platform: Platform, run_jobs: Any, caplog: pytest.LogCaptureFixture
) -> None:
    seller, _buyer, contract = await chat_between(app_factory, platform, "device-token-abcdef123456", run_jobs)
    await seller.app.post(f"/contract/{contract}/chat", chat_message(seller, KEY, "hello"))
    with caplog.at_level(logging.INFO, logger="peerx.products.bitcoin.push"):
        await run_jobs()
    lines = [r.getMessage() for r in caplog.records if r.name == "peerx.products.bitcoin.push"]
    assert lines == [f"push contract.chat {{'contractId': '{contract}'}} (device ...123456)"]
    assert [job.status for job in await chat_pushes(platform)] == [DONE]


async def test_fcm_delivers_with_a_service_account_token(
    fcm: FakeFcm, app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer, contract = await chat_between(app_factory, platform, "fcm-device-1", run_jobs)
    # The trade's own steps reach the buyer's device too (the seller registered none).
    assert {"contractId": contract, "event": "contract.contractCreated"} in [m["data"] for m in fcm.messages]
    before = len(fcm.messages)
    for text in ("one", "two"):
        assert (await seller.app.post(f"/contract/{contract}/chat", chat_message(seller, KEY, text))).status_code == 200
    await run_jobs()
    sent = fcm.messages[before:]
    assert [m["token"] for m in sent] == ["fcm-device-1", "fcm-device-1"]
    assert sent[0]["data"] == {"contractId": contract, "event": "contract.chat"}
    assert sent[0]["android"] == {"priority": "high"}
    assert len(fcm.assertions) == 1  # the access token is reused until it nears expiry
    claims = fcm.assertions[0]
    assert claims["iss"] == CLIENT_EMAIL and claims["exp"] - claims["iat"] == 3600
    assert [job.status for job in await chat_pushes(platform)] == [DONE, DONE]
    # The seller has no device: its notice is done without a message.
    assert (await buyer.app.post(f"/contract/{contract}/chat", chat_message(buyer, KEY, "hi"))).status_code == 200
    await run_jobs()
    assert len(fcm.messages) == before + 2 and [job.status for job in await chat_pushes(platform)] == [DONE] * 3


async def test_fcm_unregistered_token_is_cleared(
    fcm: FakeFcm, app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer, contract = await chat_between(app_factory, platform, "fcm-device-gone", run_jobs)
    before = len(fcm.messages)
    fcm.unregistered.add("fcm-device-gone")  # the app was uninstalled
    await seller.app.post(f"/contract/{contract}/chat", chat_message(seller, KEY, "hello?"))
    await run_jobs()
    assert len(fcm.messages) == before
    assert (await buyer.app.get("/user/me")).json()["fcmToken"] is None
    assert [job.status for job in await chat_pushes(platform)] == [DONE]


async def test_fcm_outage_and_revoked_token_are_retried(
    fcm: FakeFcm, app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer, contract = await chat_between(app_factory, platform, "fcm-device-2", run_jobs)
    before = len(fcm.messages)
    fcm.fail_next = 1
    await seller.app.post(f"/contract/{contract}/chat", chat_message(seller, KEY, "first"))
    await run_jobs()
    [job] = await chat_pushes(platform)
    assert job.status == QUEUED and job.attempts == 0 and "503" in (job.last_error or "")  # Retry-After: 30
    clock.advance(timedelta(seconds=31))
    await run_jobs()
    assert [m["data"] for m in fcm.messages[before:]] == [{"contractId": contract, "event": "contract.chat"}]

    fcm.revoke_tokens()  # e.g. the key was rotated: 401, then a fresh token on the next attempt
    await seller.app.post(f"/contract/{contract}/chat", chat_message(seller, KEY, "second"))
    await run_jobs()
    assert len(fcm.messages) == before + 1 and (await chat_pushes(platform))[1].status == QUEUED
    clock.advance(timedelta(seconds=5))
    await run_jobs()
    assert len(fcm.messages) == before + 2 and len(fcm.assertions) == 2
    assert (await buyer.app.get("/user/me")).json()["fcmToken"] == "fcm-device-2"


async def test_service_account_never_reaches_repr_or_logs(
    fcm: FakeFcm, platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    provider = provider_of(platform)
    assert "PRIVATE KEY" not in repr(platform.settings) and "PRIVATE KEY" not in repr(vars(provider))
    assert all("PRIVATE KEY" not in r.getMessage() for r in caplog.records)


def test_service_account_inline_or_from_a_file(fcm: FakeFcm, tmp_path: Path) -> None:
    path = tmp_path / "service-account.json"
    path.write_text(fcm.service_account_json())
    inline = ServiceAccount.parse(fcm.service_account_json())
    assert ServiceAccount.parse(str(path)) == inline and inline.client_email == CLIENT_EMAIL
    assert repr(inline) == f"ServiceAccount({CLIENT_EMAIL!r})"
    for broken in ("", "{}", '{"client_email": "x"}'):
        with pytest.raises(ValueError):
            ServiceAccount.parse(broken)


async def test_the_token_endpoint_refuses_an_assertion_signed_by_another_key(fcm: FakeFcm, platform: Platform) -> None:
    genuine = ServiceAccount.parse(fcm.service_account_json())
    impostor = ServiceAccount.parse(FakeFcm(base_url=fcm.base_url).service_account_json())  # same names, other key
    assert impostor.client_email == genuine.client_email and impostor.private_key != genuine.private_key
    provider = FcmProvider(platform.outbound.client, PROJECT, impostor, fcm.base_url)
    with pytest.raises(PushUnavailable, match="token endpoint answered 400"):
        await provider.send("fcm-device-x", "contract.chat", {"contractId": "1-2"})
    assert fcm.messages == [] and fcm.assertions == []
    assert await FcmProvider(platform.outbound.client, PROJECT, genuine, fcm.base_url).send("t", "e", {}) is True
