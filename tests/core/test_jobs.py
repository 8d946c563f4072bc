"""Job leases with a heartbeat: a handler that outlives its lease keeps it (no second worker runs
it), every job of a claimed batch keeps its lease while earlier ones run, and a lease lost anyway
is logged and never finished by the worker that lost it. Two workers here have a Database each,
as two processes would (on SQLite they meet only at the file's lock)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select, update

from peerx.core.db import Database
from peerx.core.jobs import DONE, RUNNING, Job, JobContext, Worker, enqueue

LEASE = 1.5  # seconds; short, so handlers that run several leases keep the test quick
RUNS: Counter[str] = Counter()
STARTED: dict[str, asyncio.Event] = {}


async def _slow(ctx: JobContext[None], payload: dict[str, Any]) -> None:
    RUNS[payload["name"]] += 1
    STARTED.setdefault(payload["name"], asyncio.Event()).set()
    await asyncio.sleep(payload["seconds"])


TASKS = {"tests.slow": _slow}


@asynccontextmanager
async def two_workers(database_url: str) -> AsyncIterator[tuple[Worker, Worker]]:
    databases = [Database(database_url, pool_size=2) for _ in range(2)]
    try:
        yield (
            Worker(databases[0], JobContext(databases[0], None), tasks=TASKS, lease_seconds=LEASE),
            Worker(databases[1], JobContext(databases[1], None), tasks=TASKS, lease_seconds=LEASE),
        )
    finally:
        for db in databases:
            await db.dispose()


async def slow_jobs(db: Database, *seconds: float) -> list[str]:
    names = [uuid.uuid4().hex for _ in seconds]
    async with db.transaction() as session:
        for name, duration in zip(names, seconds, strict=True):
            await enqueue(session, "tests.slow", {"name": name, "seconds": duration})
    return names


async def poll_while(busy: asyncio.Task[int], other: Worker) -> int:
    """Let `other` poll for due jobs (as an idle worker does) until `busy` is done."""
    taken = 0
    while not busy.done():
        taken += await other.run_due()
        await asyncio.sleep(0.1)
    return taken


async def statuses(db: Database) -> list[tuple[str, str | None]]:
    async with db.transaction() as session:
        return [(j.status, j.lease_token) for j in await session.scalars(select(Job).order_by(Job.id))]


async def long_job_runs_once(database_url: str) -> None:
    async with two_workers(database_url) as (first, second):
        (name,) = await slow_jobs(first.db, 3 * LEASE)
        busy = asyncio.create_task(first.run_due())
        await asyncio.wait_for(STARTED.setdefault(name, asyncio.Event()).wait(), 10)
        assert await poll_while(busy, second) == 0  # three leases long, and never up for grabs
        assert busy.result() == 1
        assert RUNS[name] == 1
        assert await statuses(first.db) == [(DONE, None)]
        assert await second.run_due() == 0


async def test_a_handler_longer_than_its_lease_runs_once(database_url):
    await long_job_runs_once(database_url)


async def test_later_jobs_of_a_batch_keep_their_lease_while_earlier_ones_run(database_url):
    async with two_workers(database_url) as (first, second):
        names = await slow_jobs(first.db, 2 * LEASE, 2 * LEASE)
        busy = asyncio.create_task(first.run_due())  # claims both; the second waits 2 leases to start
        await asyncio.wait_for(STARTED.setdefault(names[0], asyncio.Event()).wait(), 10)
        assert await poll_while(busy, second) == 0
        assert [RUNS[n] for n in names] == [1, 1]
        assert await statuses(first.db) == [(DONE, None), (DONE, None)]


async def test_a_lost_lease_is_logged_and_left_to_its_new_holder(database_url, caplog):
    caplog.set_level(logging.WARNING, logger="peerx.core.jobs")
    async with two_workers(database_url) as (first, _):
        names = await slow_jobs(first.db, LEASE, 0)
        busy = asyncio.create_task(first.run_due())
        await asyncio.wait_for(STARTED.setdefault(names[0], asyncio.Event()).wait(), 10)
        async with first.db.transaction() as session:  # as if another worker had taken both over
            await session.execute(update(Job).values(lease_token="another-worker"))
        assert await asyncio.wait_for(busy, 10) == 2
        lost = [r.getMessage() for r in caplog.records if "lost its lease" in r.getMessage()]
        assert len(lost) == 2
        # The running one finished, but its finish left the row to the holder; the waiting one never ran.
        assert [RUNS[n] for n in names] == [1, 0]
        assert await statuses(first.db) == [(RUNNING, "another-worker")] * 2
