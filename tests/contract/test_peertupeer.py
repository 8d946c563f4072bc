"""Schemathesis on the PeerTupeer surface (/peertupeer/api/v1), against the OpenAPI document it
serves, unchanged, with a valid ptp_test_ key: no case may get a 5xx, and no response may break
the surface's own schema.

The server runs with a generous rate limit (the real one, 100 a minute per key, would answer most
cases 429 and test nothing else). The account has what the document's examples name, so those
examples succeed and their responses are checked too, not only refusals: an active rate, a funded
test wallet, a trade whose reference is the document's PTP1A2B3C4D5E and subscription 5."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from peerx.platform import Platform
from peerx.products.giftcards.models import Trade
from peerx.settings import Settings
from tests.conftest import make_settings
from tests.contract.harness import assert_clean, run_schemathesis
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.live_server import LiveServer

DOCUMENT_REFERENCE = "PTP1A2B3C4D5E"
DOCUMENT_SUBSCRIPTION = 5


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, peertupeer_rate_limit="100000/minute")


async def seed(client: httpx.AsyncClient, platform: Platform, account: dict[str, Any]) -> None:
    key = account["peertupeer"]["test_key"]
    await cards.rate(platform)
    await f.fund(platform, account["id"], "100000", livemode=False)
    submitted = await cards.submit_trade(client, key, card_number="XXXX-XXXX-1234", notes="Optional notes here")
    async with platform.db.transaction() as session:
        await session.execute(
            update(Trade)
            .where(Trade.reference == submitted.json()["data"]["reference"])
            .values(reference=DOCUMENT_REFERENCE)
        )
    for n in range(DOCUMENT_SUBSCRIPTION):
        created = await client.post(
            f"{cards.PTP}/rate-updates.php", json={"url": f"https://example.com/rates/{n}"}, headers={"X-API-Key": key}
        )
    assert created.json()["data"]["webhook_id"] == DOCUMENT_SUBSCRIPTION


async def test_peertupeer_holds_its_schema(
    live: LiveServer, client: httpx.AsyncClient, platform: Platform, account: dict[str, Any], tmp_path: Path
) -> None:
    await seed(client, platform, account)
    started = time.monotonic()
    report = run_schemathesis(
        live.url,
        cards.PTP,
        tmp_path,
        headers={"X-API-Key": account["peertupeer"]["test_key"]},
        examples_per_operation=30,
    )
    print(f"schemathesis: {report.cases} cases in {time.monotonic() - started:.1f} s")
    assert_clean(report)
