"""Gift cards: trade submissions (POST trades.php, multipart with two images: image checks, file
store, database, event).

On PostgreSQL through a real `peerx serve` process, 8 in flight from this process over loopback,
beside the limit in the same run: a bare Starlette + asyncpg app in its own uvicorn process doing
the same multipart parse and the same insert of the trade row (bench.api.bare_trades). Each row
names the server CPU per request of both processes (from /proc/<pid>/stat). On SQLite, the
embedded default, in process (ASGI transport), one and eight in flight.

PEERX_BENCH_PROFILE=<folder> samples both servers with py-spy while they are measured
(bench.api.summarize reads the result)."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import httpx
from PIL import Image

from bench.api import Server, asyncpg_url, bare_server, peerx_server
from bench.common import Result, bench_platform, measure
from peerx.app import create_app
from peerx.ops import actions
from peerx.ops.giftcards import actions as giftcard_ops
from peerx.platform import Platform

PATH = "/peertupeer/api/v1/trades.php"
RATE_LIMIT = "1000000/minute"


def card_image() -> bytes:
    """A distinct 64x40 PNG of random pixels (about 8 KB): every upload is a new stored file."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 40), os.urandom(64 * 40 * 3)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _merchant(platform: Platform) -> tuple[str, int, int]:
    """An active Amazon/USA/USD rate and a merchant: its live key, party id and the rate's id."""
    async with platform.db.transaction() as session:
        rate = await giftcard_ops.set_rate(
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
    return str(account["peertupeer"]["live_key"]), int(account["id"]), int(rate["id"])


def _submitter(
    client: httpx.AsyncClient, key: str, images: list[tuple[bytes, bytes]]
) -> Callable[[int], Awaitable[None]]:
    async def submit(i: int) -> None:
        front, back = images[i % len(images)]
        resp = await client.post(
            PATH,
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

    return submit


async def _timed(
    server: Server,
    name: str,
    database: str,
    operations: int,
    concurrency: int,
    submit: Callable[[int], Awaitable[None]],
) -> Result:
    """`operations` submissions after a warm-up; the name carries the server's CPU per request."""
    for i in range(-20, 0):
        await submit(i)
    before = server.cpu()
    with server.profiled():
        result = await measure(name, database, operations, concurrency, submit)
    result.name += f", {(server.cpu() - before) * 1000 / operations:.2f} ms server CPU/req"
    return result


async def served_submissions(operations: int, concurrency: int) -> Result:
    async with bench_platform("postgresql") as platform:
        key, party_id, rate_id = await _merchant(platform)
        async with platform.db.transaction() as session:
            stored = await platform.files.store(session, card_image(), "image/png")
        images = [(card_image(), card_image()) for _ in range(operations + 20)]
        settings = platform.settings
        with tempfile.TemporaryDirectory() as logs:
            async with (
                peerx_server(
                    settings.database_url,
                    settings.data_dir,
                    Path(logs) / "peerx.log",
                    peertupeer_rate_limit=RATE_LIMIT,
                ) as peerx,
                bare_server(
                    "bare_trades",
                    {
                        "BARE_PG_URL": asyncpg_url(settings.database_url),
                        "BARE_FILE_ID": str(stored.id),
                        "BARE_PARTY_ID": str(party_id),
                        "BARE_RATE_ID": str(rate_id),
                    },
                    Path(logs) / "bare.log",
                ) as bare,
            ):
                async with httpx.AsyncClient(base_url=peerx.base_url, timeout=30) as client:
                    result = await _timed(
                        peerx,
                        f"trade submission (peerx serve, x{concurrency}",
                        "postgresql",
                        operations,
                        concurrency,
                        _submitter(client, key, images),
                    )
                async with httpx.AsyncClient(base_url=bare.base_url, timeout=30) as client:
                    result.limit = await _timed(
                        bare,
                        "bare Starlette + asyncpg",
                        "postgresql",
                        operations,
                        concurrency,
                        _submitter(client, key, images),
                    )
        result.name += ")"
        return result


async def in_process_submissions(database: str, operations: int, concurrency: int) -> Result:
    async with bench_platform(database) as platform:
        key, _, _ = await _merchant(platform)
        images = [(card_image(), card_image()) for _ in range(operations)]  # distinct files, made up front
        app = create_app(platform=platform)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            return await measure(
                f"trade submission (in process, x{concurrency})",
                database,
                operations,
                concurrency,
                _submitter(client, key, images),
            )


async def run(database: str) -> list[Result]:
    if database == "postgresql":
        return [await served_submissions(600, 8)]
    return [await in_process_submissions(database, 300, 1), await in_process_submissions(database, 300, 8)]
