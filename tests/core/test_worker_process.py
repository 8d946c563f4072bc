"""Separate worker processes, as `peerx worker` runs them. While a worker lives, its heartbeat keeps
a delivery that outlasts several leases from being taken by another worker; killed in the middle of
that delivery, it loses nothing: the other worker delivers the same event (same webhook-id) within
about one lease."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from peerx.core.events import WebhookDelivery
from tests.conftest import TEST_KEYS, TEST_SHARED_SECRETS
from tests.core.test_webhook_delivery import endpoint_and_event
from tests.fixtures.cluster import free_port

LEASE = 2  # seconds
POLL = 0.2


def start_worker(settings, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PEERX_DATA_DIR": str(settings.data_dir),
        "PEERX_DATABASE_URL": settings.effective_database_url,
        "PEERX_ALLOW_PRIVATE_TARGETS": "true",
        "PEERX_JOB_LEASE_SECONDS": str(LEASE),
        "PEERX_WORKER_POLL_SECONDS": str(POLL),
        "PEERX_OUTBOUND_TIMEOUT_SECONDS": "60",  # the stalled delivery must not time out on its own
        "PEERX_ENCRYPTION_KEYS": TEST_KEYS["encryption_keys"],
        "PEERX_HASH_PEPPER": TEST_KEYS["hash_pepper"],
    }
    if not settings.is_sqlite:  # a shared database requires every shared secret
        env.update({f"PEERX_{name.upper()}": value for name, value in TEST_SHARED_SECRETS.items()})
    return subprocess.Popen(
        [sys.executable, "-m", "peerx.cli.main", "worker", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


async def delivered(platform) -> bool:
    async with platform.db.transaction() as session:
        delivery = await session.scalar(select(WebhookDelivery))
        return delivery is not None and delivery.status == "succeeded"


async def test_a_killed_worker_loses_no_event_and_a_live_one_keeps_its_job(platform, settings, receiver):
    receiver.stall_seconds = 30.0  # the first delivery hangs far longer than a lease
    _, event_id = await endpoint_and_event(platform, receiver.url)
    first = start_worker(settings)
    second = None
    try:
        assert wait_until(lambda: receiver.started == 1, 20), "the first worker never started the delivery"
        second = start_worker(settings)  # polls every 0.2 s from now on
        time.sleep(4 * LEASE)  # without renewals the lease would have run out three times over
        assert receiver.started == 1, "another worker took a job whose worker was alive"
        receiver.stall_seconds = 0.0
        first.send_signal(signal.SIGKILL)  # dies with the request in flight
        first.wait(5)
        killed_at = time.monotonic()
        assert wait_until(lambda: receiver.started == 2, 30), "nobody took the dead worker's job"
        taken_after = time.monotonic() - killed_at
        # Renewed at most a third of a lease before the kill: expired within one lease, then one poll.
        assert taken_after < LEASE + 3, f"the job waited {taken_after:.1f} s after its worker died"
        deadline = time.monotonic() + 10
        while not await delivered(platform):
            assert time.monotonic() < deadline, "the second worker did not finish the delivery"
            time.sleep(0.1)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:  # stuck in a stalled delivery: no strays
                    process.kill()
                    process.wait(5)
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {event_id}  # at least once, always the same id for the receiver to deduplicate


def _scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    except httpx.TransportError:
        return {}
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_a_worker_serves_its_own_metrics(platform, settings, receiver):
    """`peerx worker --metrics-port`: the job runs and webhook deliveries this worker made, where
    Prometheus can scrape them (a worker has no HTTP API of its own)."""
    await endpoint_and_event(platform, receiver.url)
    port = free_port()
    process = start_worker(settings, "--metrics-port", str(port))
    done = ("peerx_job_runs_total", frozenset({("kind", "webhooks.deliver"), ("outcome", "done")}))
    success = ("peerx_webhook_delivery_attempts_total", frozenset({("surface", "peertupeer"), ("outcome", "success")}))
    try:
        assert wait_until(lambda: _scrape(port).get(done, 0) >= 1, 60), _scrape(port)
        samples = _scrape(port)
        assert samples[done] == 1 and samples[success] == 1
        assert len(receiver.received) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
