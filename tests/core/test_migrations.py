"""The migrations build exactly the schema the models describe (no forgotten migration), and
those that change data do what they promise to rows written before them."""

from __future__ import annotations

import asyncio
import hashlib

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, update

import peerx.app  # noqa: F401 - every product's tables
from peerx.core.db import Base, Database
from peerx.core.idempotency import IdempotencyRecord
from peerx.core.migrate import alembic_config
from peerx.products.giftcards.models import Trade
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories.escrow import REDIRECT, op


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


def test_the_history_has_one_head():
    """Products may branch from a merge point, but every branch is joined again: a second head
    lets two servers' `upgrade heads` apply unordered changes."""
    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1


BEFORE_KEYED = "20261204_13_operator_password"
BEFORE_SPEC_SCOPES = "20261122_10_escrow"
ADDED_SCOPES = ["p2p_ls:offline_update", "p2p_tx:offline_claim", "p2p_tx:offline_set_price", "profile"]


async def migrate(database_url: str, action: str, revision: str) -> None:
    config = alembic_config(database_url)
    await asyncio.to_thread(getattr(command, action), config, revision)


async def fingerprints(platform) -> list[str | None]:  # type: ignore[no-untyped-def]
    async with platform.db.transaction() as session:
        return list(await session.scalars(select(IdempotencyRecord.fingerprint).order_by(IdempotencyRecord.id)))


async def test_a_retry_across_the_keyed_fingerprint_upgrade_replays_and_never_runs_twice(
    client, platform, database_url
):
    account = await f.merchant(platform)
    await cards.rate(platform)
    headers = {"X-API-Key": account["peertupeer"]["live_key"], "Idempotency-Key": "across-the-upgrade"}
    data, files = cards.trade_form(card_number="4000000000000001")
    first = await client.post(f"{cards.PTP}/trades.php", data=data, files=files, headers=headers)
    assert first.status_code == 200, first.text
    # The schema and a row as the previous release left them: an unkeyed SHA-256 fingerprint.
    await migrate(database_url, "downgrade", BEFORE_KEYED)
    unkeyed = hashlib.sha256(b'["POST","/peertupeer/api/v1/trades.php",{...}]').hexdigest()
    async with platform.db.transaction() as session:
        await session.execute(update(IdempotencyRecord).values(fingerprint=unkeyed))

    await migrate(database_url, "upgrade", "heads")
    assert await fingerprints(platform) == [None]  # the searchable hash is gone
    data, files = cards.trade_form(card_number="4000000000000001")
    retry = await client.post(f"{cards.PTP}/trades.php", data=data, files=files, headers=headers)
    assert retry.headers.get("Idempotent-Replayed") == "true" and retry.json() == first.json()
    # By key only until it expires: another body gets the stored response too, not a second run.
    data, files = cards.trade_form(card_amount="50")
    assert (
        await client.post(f"{cards.PTP}/trades.php", data=data, files=files, headers=headers)
    ).json() == first.json()
    async with platform.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Trade)) == 1

    # Downgrading gives the previous release a fingerprint it never matches: an error, not a rerun.
    await migrate(database_url, "downgrade", BEFORE_KEYED)
    assert await fingerprints(platform) == [""]
    await migrate(database_url, "upgrade", "heads")
    assert await schema_drift(database_url) == []


async def test_clients_registered_with_every_scope_get_the_spec_scopes_added_later(platform, database_url):
    from peerx.ops.escrow import actions as escrow_ops
    from peerx.products.escrow.models import OAuthClient

    full = await op(platform, escrow_ops.create_client, name="Full", redirect_uris=[REDIRECT], livemode=False)
    narrow = await op(platform, escrow_ops.create_client, name="Narrow", redirect_uris=[REDIRECT], livemode=False)
    await migrate(database_url, "downgrade", BEFORE_SPEC_SCOPES)

    async def scopes() -> dict[str, list[str]]:
        async with platform.db.transaction() as session:
            rows = (await session.execute(select(OAuthClient.client_id, OAuthClient.scope))).all()
        return {client_id: scope.split() for client_id, scope in rows}

    earlier = await scopes()
    assert not set(earlier[full["client_id"]]) & set(ADDED_SCOPES)  # the downgrade took them away
    async with platform.db.transaction() as session:  # an operator narrowed this one
        await session.execute(
            update(OAuthClient).where(OAuthClient.client_id == narrow["client_id"]).values(scope="openid")
        )

    await migrate(database_url, "upgrade", "heads")
    after = await scopes()
    assert after[full["client_id"]] == earlier[full["client_id"]] + ADDED_SCOPES
    assert after[narrow["client_id"]] == ["openid"]
    assert await schema_drift(database_url) == []
