"""PEERX_DB_POOL_SIZE and PEERX_DB_MAX_OVERFLOW size each process's PostgreSQL pool: at most
size + overflow connections at once, the rest wait (then 503 after PEERX_DB_POOL_TIMEOUT_SECONDS)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from peerx.composition import build_platform
from tests.conftest import make_settings


async def test_the_pool_takes_its_size_from_settings(tmp_path: Path, database_url: str) -> None:
    platform = build_platform(
        make_settings(tmp_path, database_url, db_pool_size=2, db_max_overflow=1, db_pool_timeout_seconds=0.5)
    )
    pool = platform.db.engine.pool
    assert pool.size() == 2  # type: ignore[attr-defined]
    held = [await platform.db.engine.connect() for _ in range(3)]  # 2 + 1 overflow
    try:
        for connection in held:
            assert await connection.scalar(text("SELECT 1")) == 1
        try:
            async with asyncio.timeout(10):
                await platform.db.engine.connect()
            raise AssertionError("a fourth connection was given")
        except PoolTimeout:
            pass
    finally:
        for connection in held:
            await connection.close()
        await platform.aclose()
