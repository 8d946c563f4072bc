"""The remittances tests' fixtures; the factories they use are in tests/fixtures/factories/remittances.py."""

from __future__ import annotations

from typing import Any

import pytest

from peerx.platform import Platform
from tests.fixtures.factories.remittances import create_partner


@pytest.fixture
async def partner(platform: Platform) -> dict[str, Any]:
    return await create_partner(platform)


@pytest.fixture
def live_key(partner: dict[str, Any]) -> str:
    return str(partner["peex"]["secret_key"])


@pytest.fixture
def test_key(partner: dict[str, Any]) -> str:
    return str(partner["peex"]["test_secret_key"])
