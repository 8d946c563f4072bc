"""Schema migrations with Alembic, run by `peerx serve` (and every CLI command) before work.

On PostgreSQL every upgrade runs under one session-level advisory lock, held on a connection of
its own for the whole upgrade: processes starting at once (several servers and workers) migrate
once, and the others wait, then find nothing left to do."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# pg_advisory_lock's key for migrations: b"peerxmig" as a signed 64-bit integer. Fixed, so every
# peerx process of every version agrees on it.
MIGRATION_LOCK_KEY = int.from_bytes(b"peerxmig", "big")


def migrations_dir() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "migrations"  # wheel install
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "migrations"  # source checkout


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    # "heads": products branch from the core revision, so there may be more than one head.
    if database_url.startswith("postgresql"):
        asyncio.run(_locked_upgrade(database_url, revision))
    else:
        # SQLite: one machine; alembic's own transaction takes the database's write lock.
        command.upgrade(alembic_config(database_url), revision)


async def _locked_upgrade(database_url: str, revision: str) -> None:
    # Autocommit: the lock's connection idles through the upgrade without holding a transaction
    # open (which idle_in_transaction_session_timeout could end, and which would pin the xmin).
    engine = create_async_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as lock:
            acquired = await lock.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            if not acquired:
                log.info("another process is migrating the database; waiting for it")
                await lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                # env.py runs its own event loop, so alembic gets a thread of its own.
                await asyncio.to_thread(command.upgrade, alembic_config(database_url), revision)
            finally:
                await lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
    finally:
        await engine.dispose()


async def upgrade_async(database_url: str) -> None:
    # env.py runs its own event loop (and the lock its own), so the upgrade gets a thread of its own.
    await asyncio.to_thread(upgrade, database_url)
