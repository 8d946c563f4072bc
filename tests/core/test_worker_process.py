"""Separate worker processes, as `peerx worker` runs them: one killed in the middle of a delivery
loses nothing; the next one delivers the same event (same webhook-id) after the lease expires."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from peerx.core.events import WebhookDelivery
from tests.conftest import TEST_KEYS
from tests.core.test_webhook_delivery import endpoint_and_event


def start_worker(settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PEERX_DATA_DIR": str(settings.data_dir),
        "PEERX_DATABASE_URL": settings.effective_database_url,
        "PEERX_ALLOW_PRIVATE_TARGETS": "true",
        "PEERX_JOB_LEASE_SECONDS": "2",
        "PEERX_WORKER_POLL_SECONDS": "0.2",
        "PEERX_ENCRYPTION_KEYS": TEST_KEYS["encryption_keys"],
        "PEERX_HASH_PEPPER": TEST_KEYS["hash_pepper"],
    }
    return subprocess.Popen(
        [sys.executable, "-m", "peerx.cli.main", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_killed_worker_loses_no_event(platform, settings, receiver):
    receiver.stall_seconds = 3.0
    _, event_id = await endpoint_and_event(platform, receiver.url)
    first = start_worker(settings)
    try:
        deadline = time.monotonic() + 20
        while receiver.started == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.started == 1, "the first worker never started the delivery"
        first.send_signal(signal.SIGKILL)  # dies with the request in flight
        first.wait(5)
    finally:
        if first.poll() is None:
            first.kill()
    receiver.stall_seconds = 0.0
    second = start_worker(settings)
    try:
        deadline = time.monotonic() + 30
        delivered = False
        while not delivered and time.monotonic() < deadline:
            time.sleep(0.2)
            async with platform.db.transaction() as session:
                delivery = await session.scalar(select(WebhookDelivery))
                delivered = delivery is not None and delivery.status == "succeeded"
        assert delivered, "the second worker did not deliver the event"
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(10)
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {event_id}  # at least once, always the same id for the receiver to deduplicate
