"""The JSON log lines of one request and of the job it queued, found by their request id, with no
secret in any of them; and the redaction filter on its own, shape by shape.

The server is uvicorn serving the whole app on a real socket (its access log goes through peerx's
handler, as under `peerx serve`); the worker is a second platform on the same database, as a
`peerx worker` process is. Lines are captured with the real formatter and filter."""

from __future__ import annotations

import base64
import io
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from prometheus_client import REGISTRY

from peerx.app import create_app
from peerx.core import logs
from peerx.core.jobs import drain
from peerx.ops import actions
from peerx.platform import Platform
from peerx.settings import Settings
from tests.conftest import TEST_KEYS
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.receiver import WebhookReceiver


@pytest.fixture
def captured(settings: Settings) -> Iterator[io.StringIO]:
    """peerx's logging as `peerx serve` configures it (JSON), writing to a buffer."""
    buffer = io.StringIO()
    root = logging.getLogger()
    level = root.level
    logs.configure_logging(settings, stream=buffer, force=True)
    try:
        yield buffer
    finally:
        logs.unconfigure_logging()
        root.setLevel(level)


class Server:
    def __init__(self, settings: Settings):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        # log_level info: uvicorn's access lines, which peerx's handler takes over at startup.
        config = uvicorn.Config(create_app(settings), log_level="info", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


def delivered(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


async def test_a_request_and_its_job_log_json_lines_with_its_request_id_and_no_secret(
    settings: Settings, platform: Platform, receiver: WebhookReceiver, captured: io.StringIO
) -> None:
    merchant = await f.merchant(platform)
    await cards.rate(platform)
    key = merchant["peertupeer"]["test_key"]
    async with platform.db.transaction() as session:
        endpoint = await actions.add_webhook(
            platform, session, account_id=merchant["id"], url=receiver.url, livemode=False, surface="peertupeer"
        )
    request_id = "checkout-7f3a9c-retry-1"
    lag_before = delivered("peerx_webhook_delivery_lag_seconds_count", surface="peertupeer")
    success_before = delivered("peerx_webhook_delivery_attempts_total", surface="peertupeer", outcome="success")

    with Server(settings) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            data, files = cards.trade_form()
            # A client that also puts its key in the query string: the access line must not show it.
            answer = await http.post(
                f"{cards.PTP}/trades.php",
                params={"debug_key": key},
                data=data,
                files=files,
                headers={"X-API-Key": key, "X-Request-Id": request_id},
            )
            assert answer.status_code == 200, answer.text
            assert answer.headers["x-request-id"] == request_id
    # The worker: another platform on the same database, as `peerx worker` runs.
    assert await drain(platform.worker) >= 1

    # The delivery carried the id to the receiver.
    [delivery] = receiver.wait_for(1)
    assert delivery.headers["x-request-id"] == request_id
    # ... and was counted, with its lag from commit to delivery.
    assert delivered("peerx_webhook_delivery_lag_seconds_count", surface="peertupeer") == lag_before + 1
    assert (
        delivered("peerx_webhook_delivery_attempts_total", surface="peertupeer", outcome="success")
        == success_before + 1
    )

    every = lines(captured)
    mine = [line for line in every if line.get("request_id") == request_id]
    access = [line for line in mine if line["logger"] == "uvicorn.access"]
    assert len(access) == 1 and "POST /peertupeer/api/v1/trades.php" in access[0]["message"]
    assert "ptp_test_[REDACTED]" in access[0]["message"]
    jobs = [line for line in mine if line["logger"] == "peerx.core.jobs"]
    assert any("(webhooks.deliver) done" in line["message"] for line in jobs), mine
    for line in mine:
        assert {"time", "level", "logger", "message", "request_id"} <= set(line)

    # No secret in any line: the API key, the webhook secret, the pepper (as configured and decoded).
    pepper = base64.urlsafe_b64decode(TEST_KEYS["hash_pepper"] + "=")
    secrets = [key, endpoint["secret"], TEST_KEYS["hash_pepper"], pepper.hex(), key.removeprefix("ptp_test_")]
    text = captured.getvalue()
    assert text.count("\n") == len(every) >= 3
    for secret in secrets:
        assert secret not in text


async def test_redaction_of_every_secret_shape(settings: Settings, captured: io.StringIO) -> None:
    log = logging.getLogger("peerx.test")
    api_key = "pw_live_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5"
    webhook_secret = "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl"
    pepper = base64.urlsafe_b64decode(TEST_KEYS["hash_pepper"] + "=")
    logs.redact.remember(pepper)
    log.info("calling with %s", {"api-private-key": api_key, "SECRETKEY": "peex_test_abcdefghijklmnop"})
    log.info("Authorization: Bearer %s and X-API-Key: %s", jwt, "tpk_live_abcdefghijklmnop")
    log.warning("endpoint secret %s, password=%s", webhook_secret, "correct-horse-battery")
    log.info('body {"client_secret": "s3cr3t-v4lue-here", "token": "opaque-token-value"}')
    log.info("pepper %s / %s", pepper.hex(), TEST_KEYS["hash_pepper"])
    log.info("ops token", extra={"detail": "Bearer ops-secret-token"})
    try:
        raise RuntimeError(f"upstream refused key {api_key}")
    except RuntimeError:
        log.exception("call failed")
    text = captured.getvalue()
    for secret in (
        api_key.removeprefix("pw_live_"),
        "abcdefghijklmnop",
        webhook_secret,
        jwt,
        "correct-horse-battery",
        "s3cr3t-v4lue-here",
        "opaque-token-value",
        pepper.hex(),
        TEST_KEYS["hash_pepper"],
        "ops-secret-token",
    ):
        assert secret not in text, secret
    assert text.count("[REDACTED]") >= 12
    # What is not a secret stays readable.
    parsed = lines(captured)
    assert parsed[0]["message"].startswith("calling with {'api-private-key': '[REDACTED]'")
    assert "pw_live_[REDACTED]" in parsed[-1]["exc_info"]


def test_text_format_and_level(tmp_path: Any) -> None:
    buffer = io.StringIO()
    root_level = logging.getLogger().level
    logs.configure_logging(
        Settings(data_dir=tmp_path, log_format="text", log_level="warning"), stream=buffer, force=True
    )
    try:
        token = logs.REQUEST_ID.set("req-1")
        logging.getLogger("peerx.x").info("dropped")
        logging.getLogger("peerx.x").warning("kept %s", "ptp_live_abcdefghijklmnop")
        logs.REQUEST_ID.reset(token)
        logging.getLogger("peerx.x").warning("no request")
    finally:
        logs.unconfigure_logging()
        logging.getLogger().setLevel(root_level)
    shown = buffer.getvalue().splitlines()
    assert len(shown) == 2
    assert shown[0].endswith("WARNING peerx.x [req-1] kept ptp_live_[REDACTED]")
    assert shown[1].endswith("WARNING peerx.x [-] no request")


def test_request_id_validation() -> None:
    assert logs.accepted_request_id("abc-123_XYZ.:/=") == "abc-123_XYZ.:/="
    assert logs.accepted_request_id("x" * 200) == "x" * 200
    for bad in (None, "", "x" * 201, "has space", "tab\there", "é", "new\nline"):
        replaced = logs.accepted_request_id(bad)
        assert replaced != bad and len(replaced) == 32 and replaced.isalnum()


def test_passwords_in_connection_urls_are_never_logged(tmp_path: Any) -> None:
    """A driver's error may quote the URL it was given: the database's and Redis's passwords are
    redacted like every other secret the settings hold."""
    buffer = io.StringIO()
    root_level = logging.getLogger().level
    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql+asyncpg://peerx:db-pass-8731@db.internal/peerx",
        redis_url="redis://:redis-pass-5520@cache.internal:6379/0",
    )
    logs.configure_logging(settings, stream=buffer, force=True)
    try:
        logging.getLogger("peerx.x").error("cannot connect to %s or %s", settings.database_url, settings.redis_url)
    finally:
        logs.unconfigure_logging()
        logging.getLogger().setLevel(root_level)
    text = buffer.getvalue()
    assert "db-pass-8731" not in text and "redis-pass-5520" not in text
    assert "db.internal/peerx" in text and "cache.internal:6379" in text  # the rest stays readable
