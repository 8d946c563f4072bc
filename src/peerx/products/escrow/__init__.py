"""Escrow: the Trustap API. A buyer and a seller let the platform hold the money until the goods
arrive; users log in through peerx's OAuth2 server."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.parties import Party, issue_credential
from peerx.platform import Platform
from peerx.products.escrow import models  # noqa: F401 - registers the tables
from peerx.products.escrow.wire import SURFACE

# Generated into data_dir when unset (oidc.py): every machine on a shared database needs the same.
SHARED_SECRETS = ("trustap_oidc_private_key",)


async def trustap_keys(session: AsyncSession, party: Party) -> dict[str, Any]:
    """API keys, used as the Basic auth user name on the endpoints the spec allows (/charge)."""
    return {
        "live_key": await issue_credential(session, party, surface=SURFACE, livemode=True, key_prefix="tpk_live_"),
        "test_key": await issue_credential(session, party, surface=SURFACE, livemode=False, key_prefix="tpk_test_"),
    }


def mount(app: FastAPI, platform: Platform) -> None:
    from peerx.products.escrow.api import build_surface
    from peerx.products.escrow.api.oauth import add_root_metadata

    add_root_metadata(app, platform.settings.trustap_prefix)
    app.mount(platform.settings.trustap_prefix, build_surface(platform))
