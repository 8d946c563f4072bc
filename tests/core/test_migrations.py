"""The migrations build exactly the schema the models describe (no forgotten migration)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import peerx.app  # noqa: F401 - every product's tables
from peerx.core.db import Base, Database


async def schema_drift(database_url: str) -> list[object]:
    db = Database(database_url)
    try:
        async with db.engine.connect() as connection:

            def compare(sync_connection):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                return compare_metadata(context, Base.metadata)

            return list(await connection.run_sync(compare))
    finally:
        await db.dispose()


async def test_models_and_migrations_agree(database_url):
    assert await schema_drift(database_url) == []
