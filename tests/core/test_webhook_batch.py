"""Deliveries go out a claimed batch at a time: every outcome of a mixed batch is right (succeeded,
retried on the schedule without counting a job failure, dead), emission queues exactly what the
subscriptions say, and a worker killed -9 with a batch in flight loses no delivery."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest
from sqlalchemy import select, update

from peerx.core.clock import clock
from peerx.core.events import DEAD, PENDING, SUCCEEDED, WebhookDelivery, WebhookEndpoint, emit
from peerx.core.jobs import DONE, QUEUED, CoreJob, Job
from peerx.core.webhooks import MAX_ATTEMPTS, RETRY_SCHEDULE, add_endpoint
from tests.core.test_worker_process import start_worker, wait_until
from tests.fixtures import factories as f
from tests.fixtures.receiver import start_receiver, verify_standard


async def endpoint(platform, party_id: int, url: str, livemode: bool = True, **options) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    async with platform.db.transaction() as session:
        created = await add_endpoint(
            session,
            platform.keys.cipher,
            party_id=party_id,
            surface="peertupeer",
            url=url,
            livemode=livemode,
            **options,
        )
    return created.endpoint.id, created.secret


async def emit_events(platform, party_id: int | None, count: int, type: str = "trade.approved") -> list[str]:  # type: ignore[no-untyped-def]
    async with platform.db.transaction() as session:
        return [
            (
                await emit(
                    session,
                    surface="peertupeer",
                    type=type,
                    livemode=True,
                    party_id=party_id,
                    body={"event": type, "data": {"n": n}},
                )
            ).id
            for n in range(count)
        ]


async def deliveries(platform) -> dict[int, list[WebhookDelivery]]:  # type: ignore[no-untyped-def]
    by_endpoint: dict[int, list[WebhookDelivery]] = {}
    async with platform.db.transaction() as session:
        for delivery in await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)):
            by_endpoint.setdefault(delivery.endpoint_id, []).append(delivery)
    return by_endpoint


async def test_a_mixed_batch_gets_exactly_the_right_outcomes(platform, receiver):
    failing = start_receiver()
    failing.script = [503] * 10
    try:
        merchant = (await f.merchant(platform))["id"]
        ok, secret = await endpoint(platform, merchant, receiver.url)
        bad, _ = await endpoint(platform, merchant, failing.url)
        refused, _ = await endpoint(platform, merchant, "http://127.0.0.1:9/hook")  # nothing listens: connect error
        events = await emit_events(platform, merchant, 3)
        async with platform.db.transaction() as session:  # one of bad's deliveries is on its last attempt
            last = await session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == bad).limit(1))
            await session.execute(
                update(WebhookDelivery).where(WebhookDelivery.id == last).values(attempts=MAX_ATTEMPTS - 1)
            )
        platform.worker.batch_size = 50
        before = clock.now()
        assert await platform.worker.run_due() == 9  # one claim: the whole batch
        after = clock.now()
        state = await deliveries(platform)

        assert [(d.status, d.attempts, d.last_status_code) for d in state[ok]] == [(SUCCEEDED, 1, 200)] * 3
        assert sorted(r.headers["webhook-id"] for r in receiver.received) == sorted(events)
        assert all(verify_standard(secret, r)["event"] == "trade.approved" for r in receiver.received)

        dead = [d for d in state[bad] if d.id == last]
        retried = [d for d in state[bad] if d.id != last]
        assert [(d.status, d.attempts, d.last_error) for d in dead] == [(DEAD, MAX_ATTEMPTS, "HTTP 503")]
        assert [(d.status, d.attempts, d.last_status_code) for d in retried] == [(PENDING, 1, 503)] * 2
        assert [(d.status, d.attempts, d.last_status_code) for d in state[refused]] == [(PENDING, 1, None)] * 3
        assert all("ConnectError" in (d.last_error or "") for d in state[refused])
        for delivery in retried + state[refused]:  # the first wait of the schedule
            assert delivery.next_attempt_at is not None
            # jittered (core.retry): at most the schedule's first wait, at least 80% of it
            assert before + RETRY_SCHEDULE[0] * 0.8 <= delivery.next_attempt_at <= after + RETRY_SCHEDULE[0]

        async with platform.db.transaction() as session:
            jobs = {j.payload["delivery_id"]: j for j in await session.scalars(select(Job))}
        waiting = {d.id: d.next_attempt_at for d in retried + state[refused]}
        for delivery_id, job in jobs.items():
            if delivery_id in waiting:  # RetryLater: queued for the schedule, not counted as a job failure
                assert (job.status, job.attempts, job.run_at) == (QUEUED, 0, waiting[delivery_id])
            else:
                assert (job.status, job.lease_token, job.last_error) == (DONE, None, None)
        assert len(jobs) == 9

        assert await platform.worker.run_due() == 0  # nothing due before the schedule says so
        clock.advance(RETRY_SCHEDULE[0])
        failing.script = []
        assert await platform.worker.run_due() == 5
        state = await deliveries(platform)
        assert [(d.status, d.attempts) for d in state[bad] if d.id != last] == [(SUCCEEDED, 2)] * 2
        assert [(d.status, d.attempts) for d in state[refused]] == [(PENDING, 2)] * 3
    finally:
        failing.server.shutdown()
        failing.server.server_close()


async def test_emission_queues_one_delivery_and_job_per_subscribed_endpoint(platform, receiver):
    merchant = (await f.merchant(platform))["id"]
    other = (await f.merchant(platform))["id"]
    everything, _ = await endpoint(platform, merchant, receiver.url)
    named, _ = await endpoint(platform, merchant, receiver.url, event_types=["trade.approved"])
    await endpoint(platform, merchant, receiver.url, event_types=["trade.rejected"])
    others, _ = await endpoint(platform, other, receiver.url)
    disabled, _ = await endpoint(platform, merchant, receiver.url)
    async with platform.db.transaction() as session:
        await session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == disabled).values(disabled_at=clock.now())
        )
    await endpoint(platform, merchant, receiver.url, livemode=False)

    (about_merchant,) = await emit_events(platform, merchant, 1)
    (broadcast,) = await emit_events(platform, None, 1)  # only endpoints naming the type hear a broadcast
    async with platform.db.transaction() as session:
        rows = await session.execute(select(WebhookDelivery.event_id, WebhookDelivery.endpoint_id))
        pairs = sorted(tuple(row) for row in rows)
        jobs = list(await session.scalars(select(Job)))
    assert pairs == sorted([(about_merchant, everything), (about_merchant, named), (broadcast, named)])
    assert sorted(j.payload["delivery_id"] for j in jobs) == sorted(
        d.id for ds in (await deliveries(platform)).values() for d in ds
    )
    assert {(j.kind, j.status, j.max_attempts) for j in jobs} == {(CoreJob.DELIVER_WEBHOOK, QUEUED, 1000)}
    assert others not in {endpoint_id for _, endpoint_id in pairs}
    assert await platform.worker.run_due() == 3
    assert sorted(r.headers["webhook-id"] for r in receiver.received) == sorted([about_merchant] * 2 + [broadcast])


@pytest.fixture
def batch_of(monkeypatch):  # type: ignore[no-untyped-def]
    def configure(size: int) -> None:
        monkeypatch.setenv("PEERX_WORKER_BATCH_SIZE", str(size))

    return configure


async def test_a_worker_killed_mid_batch_loses_no_delivery(platform, settings, receiver, batch_of):
    merchant = (await f.merchant(platform))["id"]
    for _ in range(5):  # five endpoints: a batch posts to five at once
        await endpoint(platform, merchant, receiver.url)
    events = await emit_events(platform, merchant, 5)  # 25 deliveries
    receiver.stall_seconds = 30.0  # the first batch hangs in flight
    batch_of(10)
    first = start_worker(settings)
    second = None
    try:
        assert wait_until(lambda: receiver.started == 5, 30), "the first worker never posted its batch"
        first.send_signal(signal.SIGKILL)  # five posts in flight, five more waiting, nothing recorded
        first.wait(5)
        receiver.stall_seconds = 0.0
        second = start_worker(settings)
        deadline = time.monotonic() + 60
        while any(d.status != SUCCEEDED for ds in (await deliveries(platform)).values() for d in ds):
            assert time.monotonic() < deadline, "the deliveries of the killed batch were lost"
            time.sleep(0.2)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(5)
    seen = Counter(r.headers["webhook-id"] for r in receiver.received)
    assert all(seen[event_id] >= 5 for event_id in events)  # at least once per endpoint
    state = await deliveries(platform)
    assert sum(len(ds) for ds in state.values()) == 25
    async with platform.db.transaction() as session:
        assert {j.status for j in await session.scalars(select(Job))} == {DONE}
