from __future__ import annotations

from typing import Any

import pytest

from peerx.core.events import Event, WebhookEndpoint
from peerx.core.idempotency import IdempotencyRecord
from peerx.core.ledger import LedgerTransfer
from peerx.core.storage import StoredFile
from peerx.platform import Platform
from peerx.products.giftcards.models import Trade, Withdrawal
from tests.fixtures import factories as f
from tests.fixtures.ledger import row_counts


@pytest.fixture
async def merchant(platform: Platform) -> dict[str, Any]:
    account = await f.merchant(platform)
    await f.rate(platform)
    return account


@pytest.fixture
def live_key(merchant: dict[str, Any]) -> str:
    return str(merchant["peertupeer"]["live_key"])


@pytest.fixture
def test_key(merchant: dict[str, Any]) -> str:
    return str(merchant["peertupeer"]["test_key"])


async def count_rows(platform: Platform) -> dict[str, int]:
    """What a failed request must not leave behind."""
    counts = await row_counts(
        platform,
        {
            "trades": Trade,
            "withdrawals": Withdrawal,
            "transfers": LedgerTransfer,
            "events": Event,
            "subscriptions": WebhookEndpoint,
            "stored_files": StoredFile,
            "idempotency_keys": IdempotencyRecord,
        },
    )
    files_dir = platform.settings.data_dir / "files"
    counts["files"] = sum(1 for p in files_dir.rglob("*") if p.is_file()) if files_dir.exists() else 0
    return counts
