"""Processes starting at once on one empty PostgreSQL database migrate it once: the upgrade runs
under an advisory lock, and the processes that waited for it find nothing left to do."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from peerx.core.migrate import MIGRATION_LOCK_KEY, alembic_config
from tests.conftest import PG_URL

PROCESSES = 4
# Each process imports peerx, then waits on this file before it upgrades, so all four start
# their upgrade within milliseconds of one another.
UPGRADE = """
import sys, time
from pathlib import Path
from peerx.core.migrate import upgrade
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
upgrade(sys.argv[1])
"""


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def _sql(url: str, statement: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(_dsn(url))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@pytest.fixture
def empty_database() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("PostgreSQL tests need PEERX_TEST_PG_URL")
    name = f"peerx_lock_{uuid.uuid4().hex[:12]}"
    _sql(PG_URL, f'CREATE DATABASE "{name}"')
    head, _, _ = PG_URL.rpartition("/")
    yield f"{head}/{name}"
    _sql(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_four_processes_upgrading_at_once_migrate_once(empty_database: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE, empty_database, str(go)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    go.touch()
    errors = [process.communicate(timeout=300)[1] for process in processes]
    outcomes = [(process.returncode, error[-2000:]) for process, error in zip(processes, errors, strict=True)]
    assert [code for code, _ in outcomes] == [0] * PROCESSES, outcomes

    async def state() -> tuple[list[str], int, int]:
        connection = await asyncpg.connect(_dsn(empty_database))
        try:
            versions = [row[0] for row in await connection.fetch("SELECT version_num FROM alembic_version")]
            tables = await connection.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            held = await connection.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1",
                MIGRATION_LOCK_KEY & 0xFFFFFFFF,
            )
            return versions, int(tables), int(held)
        finally:
            await connection.close()

    versions, tables, held = asyncio.run(state())
    heads = ScriptDirectory.from_config(alembic_config(empty_database)).get_heads()
    assert sorted(versions) == sorted(heads) and len(versions) == len(heads) == 1
    assert tables > 20  # every product's tables, created once
    assert held == 0  # the lock was released by every process


def test_an_upgrade_waits_for_the_lock_holder(empty_database: str) -> None:
    """While another session holds the lock, an upgrade does not start; released, it runs."""
    script = "import sys\nfrom peerx.core.migrate import upgrade\nupgrade(sys.argv[1])\n"

    async def hold_then_release() -> tuple[int | None, int, int]:
        holder = await asyncpg.connect(_dsn(empty_database))
        try:
            await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            process = subprocess.Popen([sys.executable, "-c", script, empty_database])
            await asyncio.sleep(8)  # time enough to import peerx and reach the lock
            waiting = process.poll()
            tables = await holder.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
            return waiting, int(tables), await asyncio.to_thread(process.wait, 300)
        finally:
            await holder.close()

    waiting, tables_while_held, code = asyncio.run(hold_then_release())
    assert waiting is None and tables_while_held == 0  # still waiting, nothing created
    assert code == 0
