"""Schemathesis on the Peerwallet surface (/peerwallet), against its served OpenAPI document as
is: a vendor's test key with the "transfer funds" permission and a test balance that covers
every order the fuzzer can make, so issuing, redeeming and voiding really run. The per-key rate
limits are raised for the run (they would otherwise answer most cases 429)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from peerx.core.parties import authenticate
from peerx.ops import actions
from peerx.platform import Platform
from peerx.products.vouchers import service
from peerx.settings import Settings
from tests.conftest import make_settings
from tests.contract.harness import assert_clean, run_schemathesis
from tests.fixtures.live_server import LiveServer

EXAMPLE_ORDER = "K3Q0D8ZC1M"
EXAMPLE_CODES = ["48213907561238470915", "90372615840029384711", "11930582746610293847"]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path, database_url, peerwallet_rate_limit="100000/minute", peerwallet_code_rate_limit="100000/minute"
    )


@pytest.fixture
async def vendor(platform: Platform, account: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    async with platform.db.transaction() as session:
        await actions.grant_permission(platform, session, account_id=account["id"], permission="transfer_funds")
        # 500 orders of the largest size (100 x 5000 USD) on the test balance.
        await actions.fund_account(
            platform, session, account_id=account["id"], currency="USD", amount=Decimal(250_000_000), livemode=False
        )
    # The order and codes the document's examples name exist, so the examples phase runs the
    # lookups, redemption and void for real (not only into 404s).
    codes = iter(EXAMPLE_CODES)
    monkeypatch.setattr(service, "new_order_id", lambda: EXAMPLE_ORDER)
    monkeypatch.setattr(service, "new_code", lambda: next(codes))
    async with platform.db.transaction() as session:
        caller = await authenticate(
            session, surface="peerwallet", plaintext=account["peerwallet"]["test_api_private_key"]
        )
        assert caller is not None
        await service.issue(
            session, platform.keys, platform.settings, caller, service.IssueRequest(3, Decimal(20), "USD")
        )
    monkeypatch.undo()
    return account


def test_peerwallet_holds_its_schema(live: LiveServer, vendor: dict[str, Any], tmp_path: Path) -> None:
    key = vendor["peerwallet"]["test_api_private_key"]
    report = run_schemathesis(
        live.url, "/peerwallet", tmp_path, headers={"api-private-key": key}, examples_per_operation=40
    )
    assert_clean(report)  # no 5xx, every answer in its own schema, >= 300 cases
