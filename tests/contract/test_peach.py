"""Schemathesis on the Peach surface (/peach/v1) with a registered account's bearer token: every
operation of the served OpenAPI document, fuzzed, answers no 5xx and nothing outside its own
schema. The token must live through the run, so `user/logout` (which ends every token of the
account) is left out here; tests/products/bitcoin/test_auth.py drives it over HTTP."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from peerx.platform import Platform
from peerx.settings import Settings
from tests.conftest import make_settings
from tests.contract.harness import assert_clean, run_schemathesis
from tests.fixtures.factories.bitcoin import App, set_price
from tests.fixtures.live_server import LiveServer
from tests.products.bitcoin import contract_helpers as flow

PEACH = "/peach/v1"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # One account sends every case: its per-account limit (300/minute) must not turn the run into 429s.
    return make_settings(tmp_path, database_url, peach_rate_limit="1000000/minute")


async def test_peach_holds_its_schema(live: LiveServer, platform: Platform, run_jobs: Any, tmp_path: Path) -> None:
    """The account the run uses sells in a funded offer (id 1, the lowest id the fuzzer tries)
    and is in a contract ("1-2") with a buyer, so operations on offers and contracts reach their
    rules, not only NOT_FOUND."""
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
        await set_price(platform, "BTCEUR", "27455.04")
        seller, buyer = await App(client).register(), await App(client).register()
        contract_id, sell_id, buy_id, _ = await flow.open_contract(seller, buyer, platform, run_jobs)
        assert (sell_id, buy_id, contract_id) == ("1", "2", "1-2")
        started = time.monotonic()
        report = run_schemathesis(
            live.url,
            PEACH,
            tmp_path,
            headers=seller.headers,
            examples_per_operation=5,
            extra=("--exclude-path", "/user/logout"),
        )
        print(f"peach: {report.cases} cases in {time.monotonic() - started:.0f} s")
        assert_clean(report)
        assert (await seller.get("/user/me")).status_code == 200, "the token lived through the run"
