"""Schemathesis on the Peach surface (/peach/v1) with a registered account's bearer token: every
operation of the served OpenAPI document, fuzzed, answers no 5xx and nothing outside its own
schema. The token must live through the run, so `user/logout` (which ends every token of the
account) is left out here; tests/products/bitcoin/test_wire_contract.py drives it over HTTP."""

from __future__ import annotations

import hashlib
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from coincurve import PrivateKey

from peerx.chain.keys import sign_digest_compact
from peerx.ops import bitcoin as bitcoin_ops
from peerx.platform import Platform
from peerx.settings import Settings
from tests.conftest import make_settings
from tests.contract.harness import assert_clean, run_schemathesis
from tests.fixtures.live_server import LiveServer

PEACH = "/peach/v1"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # One account sends every case: its per-account limit (300/minute) must not turn the run into 429s.
    return make_settings(tmp_path, database_url, peach_rate_limit="1000000/minute")


def register(base_url: str) -> str:
    key = PrivateKey()
    message = f"Peach Registration {int(time.time() * 1000)}"
    body = {
        "publicKey": key.public_key.format().hex(),
        "message": message,
        "signature": sign_digest_compact(key, hashlib.sha256(message.encode()).digest()),
    }
    answer = httpx.post(f"{base_url}{PEACH}/user/register", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["accessToken"])


async def test_peach_holds_its_schema(live: LiveServer, platform: Platform, tmp_path: Path) -> None:
    async with platform.db.transaction() as session:  # offers need a price for the trading limit
        await bitcoin_ops.set_price(platform, session, pair="BTCEUR", price=Decimal("27455.04"))
    token = register(live.url)
    started = time.monotonic()
    report = run_schemathesis(
        live.url,
        PEACH,
        tmp_path,
        headers={"Authorization": f"Bearer {token}"},
        examples_per_operation=5,
        extra=("--exclude-path", "/user/logout"),
    )
    print(f"peach: {report.cases} cases in {time.monotonic() - started:.0f} s")
    assert_clean(report)
    me = httpx.get(f"{live.url}{PEACH}/user/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200, "the token lived through the run"
