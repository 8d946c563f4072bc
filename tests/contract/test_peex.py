"""Schemathesis on the Peex inbound surface (/peex/api/v3), with the test SECRETKEY of a partner
whose test solde is funded, so generated payment requests can be accepted, wait or be refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from peerx.ops import actions
from peerx.platform import Platform
from tests.contract.harness import assert_clean, run_schemathesis
from tests.fixtures.live_server import LiveServer


async def test_peex_holds_its_schema(
    live: LiveServer, account: dict[str, Any], platform: Platform, tmp_path: Path
) -> None:
    async with platform.db.transaction() as session:
        await actions.fund_account(
            platform, session, account_id=account["id"], currency="XAF", amount=Decimal(5_000_000), livemode=False
        )
    headers = {"SECRETKEY": account["peex"]["test_secret_key"]}
    assert_clean(run_schemathesis(live.url, "/peex/api/v3", tmp_path, headers=headers, examples_per_operation=40))
