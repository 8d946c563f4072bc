"""A worker on PostgreSQL LISTENs for new jobs: with a 60 s poll interval it still delivers a newly
committed event within seconds, woken by the NOTIFY its commit sent (the worker runs on a
platform of its own, so nothing in this process wakes it directly)."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text

from peerx.composition import build_platform
from tests.core.test_webhook_delivery import endpoint_and_event

POLL = 60.0  # seconds: a delivery within the timeout below can only come from the notification


async def listening(platform) -> bool:  # type: ignore[no-untyped-def]
    async with platform.db.transaction() as session:
        found = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND query LIKE 'LISTEN%peerx_jobs%'"
            )
        )
    return bool(found)


async def test_a_worker_polling_every_minute_delivers_a_new_event_at_once(platform, settings, receiver):
    separate = build_platform(settings)
    stop = asyncio.Event()
    worker = asyncio.create_task(separate.worker.run_forever(POLL, stop))
    try:
        deadline = time.monotonic() + 10
        while not await listening(platform):
            assert time.monotonic() < deadline, "the worker never started listening"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # its first claim (on connecting) found nothing; it now waits
        for n in (1, 2):  # woken again after the first wake-up's claim
            _, event_id = await endpoint_and_event(platform, receiver.url)
            received = await asyncio.to_thread(receiver.wait_for, n, 10.0)
            assert [r.headers["webhook-id"] for r in received][n - 1 :] == [event_id]
    finally:
        stop.set()
        await asyncio.wait_for(worker, 10)
        await separate.aclose()


async def test_a_worker_whose_listen_connection_is_killed_reconnects(platform, settings, receiver):
    """The database ends the LISTEN session (a restart, a failover, an idle timeout): the worker
    reconnects (core.retry's jittered reconnect policy) and the next event still wakes it at once."""
    separate = build_platform(settings)
    stop = asyncio.Event()
    worker = asyncio.create_task(separate.worker.run_forever(POLL, stop))
    try:
        deadline = time.monotonic() + 10
        while not await listening(platform):
            assert time.monotonic() < deadline, "the worker never started listening"
            await asyncio.sleep(0.1)
        async with platform.db.transaction() as session:
            ended = await session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%peerx_jobs%'"
                )
            )
        assert ended == 1
        deadline = time.monotonic() + 10
        while await listening(platform):
            assert time.monotonic() < deadline, "the LISTEN session was not ended"
            await asyncio.sleep(0.1)
        # The loss shows at the next check (LISTEN_CHECK_SECONDS), then a reconnect within 0.5 s.
        deadline = time.monotonic() + separate.worker.LISTEN_CHECK_SECONDS + 10
        while not await listening(platform):
            assert time.monotonic() < deadline, "the worker never listened again"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        _, event_id = await endpoint_and_event(platform, receiver.url)
        received = await asyncio.to_thread(receiver.wait_for, 1, 10.0)
        assert [r.headers["webhook-id"] for r in received] == [event_id]
    finally:
        stop.set()
        await asyncio.wait_for(worker, 10)
        await separate.aclose()
