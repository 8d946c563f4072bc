"""The document's PHP verification snippet, run unchanged by PHP's own server, accepts our
signatures and refuses them under another secret."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from peerx.core.events import WebhookDelivery
from peerx.ops import actions
from tests.conftest import REQUIRE_SERVICES
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards

PHP = shutil.which("php")
SCRIPT = Path(__file__).parent / "php" / "receiver.php"


@pytest.fixture(autouse=True)
def _needs_php() -> None:
    if PHP is None:
        if REQUIRE_SERVICES:
            pytest.fail("php is required in CI (.ci/run installs php-cli)")
        pytest.skip("php is not installed (CI installs php-cli)")


def php_server(secret: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PEERX_WEBHOOK_SECRET": secret, "PEERX_RECEIVED_LOG": str(log)}
    assert PHP is not None
    server = subprocess.Popen(
        [PHP, "-S", f"127.0.0.1:{port}", str(SCRIPT)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as attempt:
            if attempt.connect_ex(("127.0.0.1", port)) == 0:
                return server, f"http://127.0.0.1:{port}/webhooks/peertupeer"
        time.sleep(0.05)
    server.kill()
    raise RuntimeError("php -S did not start")


@pytest.mark.parametrize("right_secret", [True, False])
async def test_php_snippet_verifies_our_signature(client, platform, tmp_path, run_jobs, right_secret):
    account = await f.merchant(platform)
    await cards.rate(platform)
    log = tmp_path / "received.log"
    server, url = None, ""
    try:
        async with platform.db.transaction() as session:
            hook = await actions.add_webhook(
                platform,
                session,
                account_id=account["id"],
                url="http://placeholder.invalid/",
                livemode=True,
                surface="peertupeer",
            )
        server, url = php_server(hook["secret"] if right_secret else "whsec_not_the_secret", log)
        async with platform.db.transaction() as session:
            from peerx.core.events import WebhookEndpoint

            endpoint = await session.get(WebhookEndpoint, hook["id"])
            assert endpoint is not None
            endpoint.url = url
        await cards.submit_trade(client, account["peertupeer"]["live_key"])
        await run_jobs()
        async with platform.db.transaction() as session:
            delivery = await session.scalar(select(WebhookDelivery))
        assert delivery is not None
        if right_secret:
            assert delivery.status == "succeeded" and log.read_text() == "trade.submitted\n"
        else:
            assert delivery.status == "pending" and delivery.last_status_code == 401 and not log.exists()
    finally:
        if server is not None:
            server.terminate()
            server.wait(5)
