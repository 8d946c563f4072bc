"""Gift cards: trade submissions over HTTP (multipart, image checks, file store, database) and
wallet transfers through the ledger, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import os
from decimal import Decimal

import httpx
from PIL import Image

from bench.common import Result, bench_platform, measure
from peerx.app import create_app
from peerx.core import ledger
from peerx.ops import actions
from peerx.ops import giftcards as giftcard_ops


def card_image(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 40), os.urandom(64 * 40 * 3) if seed < 0 else bytes([seed % 256]) * 64 * 40 * 3).save(
        buffer, format="PNG"
    )
    return buffer.getvalue()


async def trade_submissions(database: str, operations: int, concurrency: int) -> Result:
    async with bench_platform(database) as platform:
        async with platform.db.transaction() as session:
            await giftcard_ops.set_rate(
                platform,
                session,
                card_type_id=1,
                card_name="Amazon",
                country="USA",
                currency="USD",
                rate=Decimal("8.5"),
                fee_pct=Decimal("2.5"),
                active=True,
            )
            account = await actions.create_account(platform, session, name="Bench", email="bench@example.com")
        key = account["peertupeer"]["live_key"]
        images = [(card_image(-1), card_image(-1)) for _ in range(operations)]  # distinct files, made up front
        app = create_app(platform=platform)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:

            async def submit(i: int) -> None:
                front, back = images[i]
                resp = await client.post(
                    "/peertupeer/api/v1/trades.php",
                    headers={"X-API-Key": key},
                    data={
                        "card_type_id": "1",
                        "country": "USA",
                        "currency": "USD",
                        "card_amount": "100",
                        "card_number": f"1234-{i:08d}",
                    },
                    files={"front_image": ("f.png", front, "image/png"), "back_image": ("b.png", back, "image/png")},
                )
                assert resp.status_code == 200, resp.text

            return await measure(f"trade submission (HTTP, x{concurrency})", database, operations, concurrency, submit)


async def wallet_transfers(database: str, operations: int, concurrency: int) -> Result:
    """Each transfer is its own unit of work (lock both accounts, check limits, write, commit)."""
    async with bench_platform(database) as platform:
        async with platform.db.transaction() as session:
            source = await ledger.get_account(session, ledger.platform_account("funding", "GHS", True))
            wallets = [await ledger.get_account(session, ledger.party_wallet(n, "GHS", True)) for n in range(32)]

        async def move(i: int) -> None:
            async with platform.db.transaction() as session:
                await ledger.transfer(session, source, wallets[i % len(wallets)], 100, code="bench", reference=str(i))

        result = await measure(f"wallet transfer (x{concurrency})", database, operations, concurrency, move)
        async with platform.db.transaction() as session:
            report = await ledger.verify(session)
        assert report.ok and report.transfers == operations, report.problems
        return result


async def run(database: str) -> list[Result]:
    return [
        await trade_submissions(database, 300, 1),
        await trade_submissions(database, 300, 8),
        await wallet_transfers(database, 3000, 1),
        await wallet_transfers(database, 3000, 8),
    ]
