"""A live server with one account (keys for every product) for the schemathesis runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from peerx.ops import actions
from peerx.platform import Platform
from peerx.settings import Settings
from tests.fixtures.live_server import LiveServer


@pytest.fixture
def live(settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def account(platform: Platform) -> dict[str, Any]:
    async with platform.db.transaction() as session:
        return await actions.create_account(platform, session, name="Contract Co", email="contract@example.com")
