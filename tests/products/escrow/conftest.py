"""The escrow tests' fixtures; the factories they use are in tests/fixtures/factories/escrow.py."""

from __future__ import annotations

from typing import Any

import pytest

from peerx.ops.escrow import actions as escrow_ops
from peerx.platform import Platform
from tests.fixtures.factories.escrow import REDIRECT, TOKEN_SECONDS, Person, op, person


@pytest.fixture
def settings(tmp_path, database_url):  # type: ignore[no-untyped-def]
    from tests.conftest import make_settings

    return make_settings(tmp_path, database_url, trustap_access_token_seconds=TOKEN_SECONDS)


@pytest.fixture
async def oauth_client(platform: Platform) -> dict[str, Any]:
    return await op(platform, escrow_ops.create_client, name="Shop App", redirect_uris=[REDIRECT], livemode=False)


@pytest.fixture
async def seller(platform: Platform, oauth_client: dict[str, Any]) -> Person:
    return await person(platform, oauth_client, "seller@example.com")


@pytest.fixture
async def buyer(platform: Platform, oauth_client: dict[str, Any]) -> Person:
    return await person(platform, oauth_client, "buyer@example.com")
