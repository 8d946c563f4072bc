"""Schema migrations with Alembic, run by `peerx serve` (and every CLI command) before work."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config


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


# Called after each migration is applied with its revision id and its title (`peerx migrate`
# prints them as progress); migrations/env.py hands it to alembic's on_version_apply.
OnApplied = Callable[[str, str], None]


def upgrade(database_url: str, revision: str = "heads", on_applied: OnApplied | None = None) -> None:
    # "heads": products branch from the core revision, so there may be more than one head.
    config = alembic_config(database_url)
    if on_applied is not None:
        config.attributes["on_version_apply"] = _announce(on_applied)
    command.upgrade(config, revision)


def head_revisions() -> tuple[str, ...]:
    """The revisions a fully migrated database is at (read from the scripts, not a database)."""
    from alembic.script import ScriptDirectory

    return tuple(sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()))


def _announce(on_applied: OnApplied) -> Callable[..., None]:
    def callback(*, step: Any, **_: Any) -> None:
        revision = step.up_revision
        if revision is not None:
            title = (revision.doc or "").strip().splitlines()
            on_applied(revision.revision, title[0] if title else "")

    return callback


async def upgrade_async(database_url: str) -> None:
    # env.py runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(upgrade, database_url)
