"""Gift cards: the PeerTupeer API. Merchants sell gift cards for review and a GHS payout."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.parties import Party, issue_credential
from peerx.platform import Platform
from peerx.products.giftcards import models  # noqa: F401 - registers the tables
from peerx.products.giftcards.service import SURFACE


def peertupeer_signature(secret: str, body: bytes) -> dict[str, str]:
    # Exactly what the document's PHP verifies: hash_hmac('sha256', $payload, SECRET), hex.
    return {"X-PeerTupeer-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


async def peertupeer_keys(session: AsyncSession, party: Party) -> dict[str, Any]:
    return {
        "live_key": await issue_credential(session, party, surface=SURFACE, livemode=True, key_prefix="ptp_live_"),
        "test_key": await issue_credential(session, party, surface=SURFACE, livemode=False, key_prefix="ptp_test_"),
    }


def mount(app: FastAPI, platform: Platform) -> None:
    from peerx.products.giftcards.api import build_surface

    app.mount(platform.settings.peertupeer_prefix, build_surface(platform))
