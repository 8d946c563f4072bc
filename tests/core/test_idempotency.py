"""Idempotency-Key fingerprints are keyed: what is stored is HMAC-SHA256 with the server pepper
over the request's meaning, never a plain hash that a database dump can be searched against."""

from __future__ import annotations

import hashlib
import hmac
import json

from sqlalchemy import select

from peerx.core.idempotency import IdempotencyRecord, fingerprint
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards

PTP = cards.PTP


async def stored_fingerprints(platform) -> list[str | None]:
    async with platform.db.transaction() as session:
        return list(await session.scalars(select(IdempotencyRecord.fingerprint)))


async def test_the_stored_fingerprint_is_the_peppered_hmac(client, platform):
    account = await f.merchant(platform)
    body = {"url": "https://hooks.example/peerx"}
    headers = {"X-API-Key": account["peertupeer"]["live_key"], "Idempotency-Key": "sub-1"}
    first = await client.post(f"{PTP}/rate-updates.php", json=body, headers=headers)
    assert first.status_code == 200, first.text

    canonical = json.dumps(["POST", f"{PTP}/rate-updates.php", body], sort_keys=True, separators=(",", ":")).encode()
    keyed = hmac.new(platform.keys.pepper, canonical, hashlib.sha256).hexdigest()
    assert await stored_fingerprints(platform) == [keyed]
    assert keyed != hashlib.sha256(canonical).hexdigest()

    again = await client.post(f"{PTP}/rate-updates.php", json=body, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = await client.post(f"{PTP}/rate-updates.php", json={"url": "https://hooks.example/other"}, headers=headers)
    assert other.status_code == 422


def test_another_pepper_gives_another_fingerprint():
    params = {"card_number": "4000000000000001", "card_amount": "100"}
    one = fingerprint("POST", "/trades.php", params, key=b"\x01" * 32)
    assert one == fingerprint("POST", "/trades.php", dict(reversed(params.items())), key=b"\x01" * 32)
    assert one != fingerprint("POST", "/trades.php", params, key=b"\x02" * 32)
