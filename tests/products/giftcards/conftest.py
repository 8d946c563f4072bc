from __future__ import annotations

from typing import Any

import pytest

from peerx.platform import Platform
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards


@pytest.fixture
async def merchant(platform: Platform) -> dict[str, Any]:
    account = await f.merchant(platform)
    await cards.rate(platform)
    return account


@pytest.fixture
def live_key(merchant: dict[str, Any]) -> str:
    return str(merchant["peertupeer"]["live_key"])


@pytest.fixture
def test_key(merchant: dict[str, Any]) -> str:
    return str(merchant["peertupeer"]["test_key"])
