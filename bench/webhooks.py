"""Webhooks: (a) queued deliveries drained by ONE `peerx worker` process (started as an operator
starts it) to a loopback receiver in its own process, beside a plain httpx loop posting the same
signed bodies to the same receiver with the same concurrency; (b) commit -> delivery latency at
200 events/s, beside the receiver's own round trip at the same rate.

The receiver (`python -m bench.webhooks receive`) is a raw asyncio HTTP/1.1 server with
keep-alive: it checks every Standard Webhooks signature, counts requests and the event ids it
saw, and stamps each arrival with the wall clock (the bench stamps each commit with the same
clock, so (b) measures commit -> arrival across processes)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import update
from standardwebhooks import Webhook

from bench.common import HEADER, Result, bench_platform, load, machine
from peerx.core.encoding import dumps
from peerx.core.events import WebhookEndpoint, emit, new_event_id
from peerx.core.webhooks import SECRET_CONTEXT, add_endpoint, build_headers
from peerx.ops import actions
from peerx.platform import Platform

DRAIN = int(os.environ.get("PEERX_BENCH_WEBHOOKS", "3000"))
RATE = 200  # events per second for the latency run
LATENCY_SECONDS = 10
# The worker claims this many jobs at a time and posts them concurrently; the plain loop posts
# with the same concurrency.
BATCH = int(os.environ.get("PEERX_BENCH_WEBHOOK_BATCH", "64"))
# The drain's deliveries go to this many endpoints (merchants) on the same receiver: a worker posts
# to each endpoint in event order, so this is its concurrency, and the plain loop's.
ENDPOINTS = 8
SURFACE = "peertupeer"


# ---------------------------------------------------------------- the receiver (its own process)


class _Receiver:
    def __init__(self, secret: str):
        self.webhook = Webhook(secret)
        self.count = 0
        self.bad = 0
        self.arrivals: dict[str, float] = {}  # event id -> first arrival (time.time())
        self.first = self.last = 0.0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if line:
                        key, _, value = line.partition(":")
                        headers[key.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if method == "GET" and path == "/stats":
                    answer = json.dumps(
                        {
                            "count": self.count,
                            "bad": self.bad,
                            "arrivals": self.arrivals,
                            "span": self.last - self.first,
                        }
                    ).encode()
                elif method == "POST" and path == "/reset":
                    self.count, self.bad, self.arrivals, self.first, self.last = 0, 0, {}, 0.0, 0.0
                    answer = b""
                else:
                    arrived = time.time()
                    self.first = self.first or arrived
                    self.last = arrived
                    self.count += 1
                    try:
                        self.webhook.verify(body, headers)
                    except Exception:
                        self.bad += 1
                    self.arrivals.setdefault(headers.get("webhook-id", ""), arrived)
                    answer = b""
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(answer), answer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _receive(secret: str) -> None:
    receiver = _Receiver(secret)
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


@asynccontextmanager
async def receiver_process(secret: str) -> AsyncIterator[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.webhooks", "receive", secret, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    port = int(await process.stdout.readline())
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        await process.wait()


async def stats(client: httpx.AsyncClient, base: str) -> dict[str, Any]:
    return (await client.get(f"{base}/stats")).json()  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the worker (its own process)


@asynccontextmanager
async def worker_process(platform: Platform, **env: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """`peerx worker` on the bench's database and keys, as an operator runs it."""
    settings = platform.settings
    # PEERX_BENCH_PROFILE=<file>: the worker runs under cProfile, written there when it stops.
    profile = os.environ.get("PEERX_BENCH_PROFILE")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *(["-m", "cProfile", "-o", profile] if profile else []),
        "-m",
        "peerx.cli.main",
        "worker",
        env={
            **os.environ,
            "PEERX_DATA_DIR": str(settings.data_dir),
            "PEERX_DATABASE_URL": settings.effective_database_url,
            "PEERX_ALLOW_PRIVATE_TARGETS": "true",
            "PEERX_WORKER_BATCH_SIZE": str(BATCH),
            **env,
        },
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    while b"started" not in await process.stderr.readline():  # connected, migrated, about to poll
        pass
    # Keep reading its stderr (an unread pipe that fills would stall the worker); print what it logged.
    logged = asyncio.create_task(process.stderr.read())
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
        problems = (await logged).decode(errors="replace").strip()
        if problems:
            print(f"the worker logged:\n{problems[-3000:]}", file=sys.stderr)


async def endpoint(platform: Platform, count: int = 1, merchants: int = 1) -> str:
    """`merchants` merchants with `count` endpoints each (their URL is set once the receiver
    listens), all with the first one's secret (the receiver checks every signature with it);
    returns that secret."""
    secrets, parties = [], []
    async with platform.db.transaction() as session:
        for n in range(merchants):
            account = await actions.create_account(platform, session, name="Bench", email=f"bench{n}@example.com")
            parties.append(account["id"])
            for _ in range(count):
                created = await add_endpoint(
                    session,
                    platform.keys.cipher,
                    party_id=account["id"],
                    surface=SURFACE,
                    url="http://x/",
                    livemode=True,
                )
                secrets.append(created.secret)
        encrypted = platform.keys.cipher.encrypt(secrets[0], context=SECRET_CONTEXT)
        await session.execute(update(WebhookEndpoint).values(secret_encrypted=encrypted))
    platform.bench_parties = parties  # type: ignore[attr-defined]
    return secrets[0]


async def point_at(platform: Platform, url: str) -> None:
    async with platform.db.transaction() as session:
        await session.execute(update(WebhookEndpoint).values(url=url))


def body(i: int) -> dict[str, Any]:
    return {"event": "trade.approved", "data": {"trade_id": i, "amount": "100.00", "currency": "USD"}}


async def emit_one(platform: Platform, i: int) -> str:
    async with platform.db.transaction() as session:
        event = await emit(
            session,
            surface=SURFACE,
            type="trade.approved",
            livemode=True,
            party_id=platform.bench_parties[i % len(platform.bench_parties)],  # type: ignore[attr-defined]
            body=body(i),
        )
    return event.id


# ---------------------------------------------------------------- (a) throughput


async def drain_rate(database: str) -> Result:
    async with bench_platform(database) as platform:
        secret = await endpoint(platform, ENDPOINTS)
        events = DRAIN // ENDPOINTS
        async with receiver_process(secret) as base, httpx.AsyncClient() as control:
            await point_at(platform, f"{base}/hook")
            for start in range(0, events, 100):  # queued before the worker starts
                async with platform.db.transaction() as session:
                    for i in range(start, min(events, start + 100)):
                        await emit(
                            session,
                            surface=SURFACE,
                            type="trade.approved",
                            livemode=True,
                            party_id=platform.bench_parties[0],  # type: ignore[attr-defined]
                            body=body(i),
                        )
            async with worker_process(platform):
                deadline = time.monotonic() + 600
                while (seen := await stats(control, base))["count"] < events * ENDPOINTS:
                    assert time.monotonic() < deadline, f"the worker delivered {seen['count']} of {DRAIN}"
                    await asyncio.sleep(0.2)
            assert seen["bad"] == 0 and len(seen["arrivals"]) == events, seen["bad"]
            arrivals = sorted(seen["arrivals"].values())  # each event's first delivery
            gaps = [(b - a) * 1000 for a, b in itertools.pairwise(arrivals)]
            peerx = Result(
                f"webhook deliveries, one `peerx worker`, {ENDPOINTS} endpoints (batch {BATCH}; "
                "ms = gap between events' first arrivals)",
                database,
                seen["count"] - 1,
                seen["span"],
                gaps,
            )
            peerx.limit = await plain_loop(control, base, secret, database)
            return peerx


async def plain_loop(control: httpx.AsyncClient, base: str, secret: str, database: str) -> Result:
    """The limit: one process posting the same signed bodies (signed per request, as the worker
    does) to the same receiver, ENDPOINTS at a time, on one warm httpx client."""
    await control.post(f"{base}/reset")
    bodies = [(new_event_id(), dumps(body(i)).encode()) for i in range(DRAIN)]
    latencies: list[float] = []
    queue = list(reversed(bodies))
    async with httpx.AsyncClient(timeout=30) as client:

        async def lane() -> None:
            while queue:
                event_id, content = queue.pop()
                started = time.perf_counter()
                response = await client.post(
                    f"{base}/hook", content=content, headers=build_headers(SURFACE, secret, event_id, content)
                )
                assert response.status_code == 200
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(ENDPOINTS)))
        seconds = time.perf_counter() - started
    seen = await stats(control, base)
    assert seen["count"] == DRAIN and seen["bad"] == 0, seen
    return Result(f"plain httpx loop x{ENDPOINTS}", database, DRAIN, seconds, latencies)


# ---------------------------------------------------------------- (b) commit -> delivery latency


async def latency(database: str) -> Result:
    async with bench_platform(database) as platform:
        # Events of ENDPOINTS merchants, one endpoint each: one merchant's endpoint is posted to in
        # event order, so its round trip alone would bound the rate.
        secret = await endpoint(platform, 1, ENDPOINTS)
        async with receiver_process(secret) as base, httpx.AsyncClient() as control:
            await point_at(platform, f"{base}/hook")
            limit = await receiver_round_trip(base, secret, database)
            await control.post(f"{base}/reset")
            committed: dict[str, float] = {}
            total = RATE * LATENCY_SECONDS
            async with worker_process(platform):  # default poll interval (1 s): wakes by NOTIFY or polling
                lanes = asyncio.Semaphore(16)  # emitters in flight: the rate, not one emitter's speed, sets the pace

                async def emit_at(i: int) -> None:
                    async with lanes:
                        event_id = await emit_one(platform, i)
                        committed[event_id] = time.time()

                started = time.monotonic()
                emitting = []
                for i in range(total):
                    await asyncio.sleep(max(0.0, started + i / RATE - time.monotonic()))
                    emitting.append(asyncio.create_task(emit_at(i)))
                await asyncio.gather(*emitting)
                sent_in = time.monotonic() - started
                deadline = time.monotonic() + 120  # a worker that cannot keep up is reported, not waited for
                while (seen := await stats(control, base))["count"] < total and time.monotonic() < deadline:  # noqa: ASYNC110 - another process
                    await asyncio.sleep(0.2)
            arrivals = seen["arrivals"]
            latencies = [(arrivals[event_id] - at) * 1000 for event_id, at in committed.items() if event_id in arrivals]
            late = "" if len(latencies) == total else f" ({len(latencies)} of {total} delivered within 120 s)"
            result = Result(
                f"commit -> delivery at {total / sent_in:.0f} events/s, one `peerx worker`{late}",
                database,
                total,
                sent_in,
                latencies,
            )
            result.limit = limit
            return result


async def receiver_round_trip(base: str, secret: str, database: str) -> Result:
    """The floor under (b): one signed POST to the receiver, at the same rate."""
    latencies = []
    total = RATE * 2
    async with httpx.AsyncClient() as client:
        started = time.monotonic()
        for i in range(total):
            await asyncio.sleep(max(0.0, started + i / RATE - time.monotonic()))
            event_id, content = new_event_id(), dumps(body(i)).encode()
            began = time.perf_counter()
            await client.post(
                f"{base}/hook", content=content, headers=build_headers(SURFACE, secret, event_id, content)
            )
            latencies.append((time.perf_counter() - began) * 1000)
        seconds = time.monotonic() - started
    return Result("receiver round trip", database, total, seconds, latencies)


async def run(database: str) -> list[Result]:
    return [await drain_rate(database), await latency(database)]


async def _main(databases: list[str]) -> None:
    print(f"{machine()}, {load()}\n")
    print(HEADER)
    for database in databases:
        for measure in (drain_rate, latency):  # each row as soon as it is measured
            print((await measure(database)).row(), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["receive"]:
        asyncio.run(_receive(sys.argv[2]))
    else:
        asyncio.run(_main(sys.argv[1:] or ["sqlite", "postgresql"]))
