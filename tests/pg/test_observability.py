"""Observability on PostgreSQL: the request id reaches jobs queued by `enqueue` and by the event
outbox's one-statement insert, /metrics reads the job gauges from PostgreSQL, and /readyz checks
PostgreSQL and, configured, Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.core.jobs import CoreJob, Job, drain
from peerx.ops import actions
from peerx.platform import Platform
from peerx.settings import Settings
from peerx.web import observability
from tests.conftest import REDIS_URL, REQUIRE_SERVICES, make_settings
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories import remittances as peex
from tests.fixtures.receiver import WebhookReceiver


@pytest.fixture(autouse=True)
def _job_gauges_read_every_scrape(monkeypatch: pytest.MonkeyPatch) -> None:
    """/metrics reads the job gauges at most once a second; these tests scrape faster than that."""
    monkeypatch.setattr(observability, "JOB_GAUGES_MAX_AGE_SECONDS", 0.0)


async def jobs_of(platform: Platform) -> list[tuple[str, str | None]]:
    async with platform.db.transaction() as session:
        return [(row[0], row[1]) for row in await session.execute(select(Job.kind, Job.request_id).order_by(Job.id))]


async def test_jobs_carry_the_request_id_on_both_insert_paths(
    client: httpx.AsyncClient, platform: Platform, receiver: WebhookReceiver
) -> None:
    merchant = await f.merchant(platform)
    await cards.rate(platform)
    async with platform.db.transaction() as session:
        await actions.add_webhook(
            platform, session, account_id=merchant["id"], url=receiver.url, livemode=False, surface="peertupeer"
        )
    trade = await cards.submit_trade(
        client,
        merchant["peertupeer"]["test_key"],
        card_number="4000000000000001",  # a sandbox card: its resolution job is queued by `enqueue`
    )
    assert trade.status_code == 200
    given = "pg-trade-1"
    # Another trade, with the client's own id.
    trade = await client.post(
        f"{cards.PTP}/trades.php",
        data=cards.trade_form(card_number="4000000000000001")[0],
        files=cards.trade_form()[1],
        headers={"X-API-Key": merchant["peertupeer"]["test_key"], "X-Request-Id": given},
    )
    assert trade.status_code == 200 and trade.headers["x-request-id"] == given
    queued = await jobs_of(platform)
    mine = [kind for kind, request_id in queued if request_id == given]
    assert sorted(mine) == sorted([CoreJob.DELIVER_WEBHOOK, "giftcards.sandbox_resolve"]), queued
    # The first request's jobs carry the id generated for it.
    assert len({request_id for _, request_id in queued}) == 2 and None not in {r for _, r in queued}

    partner = await peex.create_partner(platform, email="partner@example.com")
    await peex.fund(platform, partner["id"], 50_000, livemode=False)
    paid = await client.post(
        f"{peex.PEEX}/clients/request_payment",
        json=peex.body(),
        headers={**peex.auth(partner["peex"]["test_secret_key"]), "X-Request-Id": "pg-peex-1"},
    )
    assert paid.status_code == 200, paid.text
    assert any(request_id == "pg-peex-1" for _, request_id in await jobs_of(platform))

    await drain(platform.worker)
    received = {r.headers["x-request-id"] for r in receiver.wait_for(4)}
    assert given in received


async def test_metrics_job_gauges_on_postgresql(client: httpx.AsyncClient, platform: Platform) -> None:
    merchant = await f.merchant(platform)
    await cards.rate(platform)
    async with platform.db.transaction() as session:
        await actions.add_webhook(
            platform,
            session,
            account_id=merchant["id"],
            url="http://127.0.0.1:9/hook",
            livemode=False,
            surface="peertupeer",
        )
    assert (await cards.submit_trade(client, merchant["peertupeer"]["test_key"])).status_code == 200
    text = (await client.get("/metrics")).text
    gauges = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert gauges[("peerx_jobs", (("kind", "webhooks.deliver"), ("state", "queued")))] == 1
    assert gauges[("peerx_jobs_oldest_due_age_seconds", (("kind", "webhooks.deliver"),))] >= 0
    await drain(platform.worker)  # the delivery fails (nothing listens) and is retried later
    text = (await client.get("/metrics")).text
    assert 'peerx_webhook_delivery_attempts_total{outcome="network",surface="peertupeer"}' in text


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        if REQUIRE_SERVICES:
            pytest.fail("PEERX_TEST_REDIS_URL is required (PEERX_TEST_REQUIRE_SERVICES=1)")
        pytest.skip("Redis tests need PEERX_TEST_REDIS_URL")
    return REDIS_URL


@pytest.fixture
async def with_redis(tmp_path: Path, database_url: str, redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings: Settings = make_settings(tmp_path, database_url, redis_url=redis_url)
    platform = build_platform(settings)
    try:
        transport = httpx.ASGITransport(app=create_app(platform=platform))
        async with httpx.AsyncClient(transport=transport, base_url="http://peerx.test") as http:
            yield http
    finally:
        await platform.aclose()


@pytest.mark.redis
async def test_ready_with_postgresql_and_redis(with_redis: httpx.AsyncClient) -> None:
    resp = await with_redis.get("/readyz")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}
