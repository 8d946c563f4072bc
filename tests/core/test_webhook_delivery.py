"""Delivery: retries on the ~3 day schedule, dead letter at the end, replay with the same event id,
and the private-address guard."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from peerx.core.clock import clock
from peerx.core.events import WebhookDelivery, emit
from peerx.core.webhooks import MAX_ATTEMPTS, RETRY_SCHEDULE, add_endpoint, replay
from tests.fixtures import factories as f
from tests.fixtures.receiver import verify_standard


async def endpoint_and_event(platform, url):
    account = await f.merchant(platform)
    async with platform.db.transaction() as session:
        created = await add_endpoint(
            session, platform.keys.cipher, party_id=account["id"], surface="peertupeer", url=url, livemode=True
        )
        event = await emit(
            session,
            surface="peertupeer",
            type="trade.approved",
            livemode=True,
            party_id=account["id"],
            body={"event": "trade.approved", "data": {"n": 1}},
        )
    return created.secret, event.id


async def delivery_state(platform):
    async with platform.db.transaction() as session:
        return [
            (d.status, d.attempts) for d in await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        ]


def test_schedule_spans_about_three_days():
    total = sum(RETRY_SCHEDULE, timedelta())
    assert timedelta(days=2, hours=20) < total < timedelta(days=3, hours=6)


async def test_failures_retry_then_succeed_with_the_same_event_id(platform, receiver, run_jobs):
    receiver.script = [500, 503]
    secret, event_id = await endpoint_and_event(platform, receiver.url)
    await run_jobs()
    assert await delivery_state(platform) == [("pending", 1)]
    await run_jobs()
    assert len(receiver.received) == 1  # not due yet
    clock.advance(RETRY_SCHEDULE[0])
    await run_jobs()
    clock.advance(RETRY_SCHEDULE[1])
    await run_jobs()
    assert await delivery_state(platform) == [("succeeded", 3)]
    assert [r.headers["webhook-id"] for r in receiver.received] == [event_id] * 3
    assert verify_standard(secret, receiver.received[-1]) == {"event": "trade.approved", "data": {"n": 1}}


async def test_exhausted_delivery_is_dead_and_replay_sends_it_again(platform, receiver, run_jobs):
    receiver.script = [500] * MAX_ATTEMPTS
    _secret, event_id = await endpoint_and_event(platform, receiver.url)
    for wait in [timedelta(0), *RETRY_SCHEDULE]:
        clock.advance(wait)
        await run_jobs()
    assert await delivery_state(platform) == [("dead", MAX_ATTEMPTS)]
    assert len(receiver.received) == MAX_ATTEMPTS
    clock.advance(timedelta(days=7))
    assert await run_jobs() == 0  # a dead delivery stays dead
    async with platform.db.transaction() as session:
        created = await replay(session, event_id=event_id)
    await run_jobs()
    assert await delivery_state(platform) == [("dead", MAX_ATTEMPTS), ("succeeded", 1)]
    assert len(created) == 1 and receiver.received[-1].headers["webhook-id"] == event_id


async def test_private_targets_are_refused_unless_allowed(platform, receiver, run_jobs):
    platform.outbound.allow_private = False
    await endpoint_and_event(platform, receiver.url)
    await run_jobs()
    assert receiver.received == []
    async with platform.db.transaction() as session:
        delivery = await session.scalar(select(WebhookDelivery))
    assert delivery is not None and "private or reserved" in (delivery.last_error or "")
