"""Remittances: the Peex inbound v3 API. Partners (money transfer operators) prefund an XAF
solde and send money to MTN and Orange Money wallets in Cameroon; every status change is
POSTed to the partner's callback_url."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.parties import Party, issue_credential
from peerx.platform import Platform
from peerx.products.remittances import models  # noqa: F401 - registers the tables
from peerx.products.remittances.common import SURFACE

SIGNATURE_HEADER = "X-Peex-Signature"


def peex_signature(secret: str, body: bytes) -> dict[str, str]:
    # HMAC-SHA256 of the exact body, keyed by the callback secret's full string, hex encoded.
    return {SIGNATURE_HEADER: "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


async def peex_keys(session: AsyncSession, party: Party) -> dict[str, Any]:
    # The partner's terms start at the platform's defaults the first time they are needed.
    return {
        "secret_key": await issue_credential(session, party, surface=SURFACE, livemode=True, key_prefix="peex_live_"),
        "test_secret_key": await issue_credential(
            session, party, surface=SURFACE, livemode=False, key_prefix="peex_test_"
        ),
    }


def mount(app: FastAPI, platform: Platform) -> None:
    from peerx.products.remittances.api import build_surface

    app.mount(platform.settings.peex_prefix, build_surface(platform))
