"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL in tests/pg),
the app driven over HTTP through httpx, the job drain, and real local HTTP peers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.core.clock import clock
from peerx.core.jobs import drain
from peerx.core.migrate import upgrade
from peerx.ops.operators import accounts as operator_accounts
from peerx.platform import Platform
from peerx.products.escrow import oauth as escrow_oauth
from peerx.settings import Settings
from tests.fixtures.receiver import WebhookReceiver, start_receiver

TEST_KEYS = {
    "encryption_keys": "k1:" + "A" * 43,  # 32 zero-ish bytes, base64url; tests only
    "hash_pepper": "B" * 43,
}
# What a shared (PostgreSQL) database also requires (core/secrets.py require_shared_secrets);
# SQLite tests leave them unset, so the embedded generation stays tested. Tests only.
TEST_SHARED_SECRETS = {
    "bitcoin_escrow_xprv": (
        "tprv8ZgxMBicQKsPe48qChGvN9oKqP6PP2Ecaso2tZ254CTd85JyX3dPfaWw3vWN4wgQeaNrX8ZfK3Zq2Q5LHvEoyfZv3mmJpyUz1caSFLya1Ca"
    ),
    "trustap_oidc_private_key": """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/FZ2Yjuh50OqASKq
M5v6W23pMKMk08BGJuX4u39coAOhRANCAATYoHRRKC0F7JOIH2mEHqB+uYPWoi/d
RoFRWekCQGQUV15haXwZkVxxjPGSZrcFQHr0ACFQALWaS/nvy9zjZsQF
-----END PRIVATE KEY-----
""",
}
PG_URL = os.environ.get("PEERX_TEST_PG_URL", "")
REDIS_URL = os.environ.get("PEERX_TEST_REDIS_URL", "")
REQUIRE_SERVICES = os.environ.get("PEERX_TEST_REQUIRE_SERVICES") == "1"
# "postgresql" runs every database test on PostgreSQL (CI does, after the default SQLite run).
ALL_ON = os.environ.get("PEERX_TEST_DATABASE", "sqlite")


def make_settings(data_dir: Path, database_url: str = "", **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "allow_private_targets": True,
        "giftcards_sandbox_delay_seconds": 0,
        "ops_token": "ops-secret-token",
        "embedded_worker": False,
        "outbound_timeout_seconds": 2.0,
        **TEST_KEYS,
    }
    if database_url and not database_url.startswith("sqlite"):
        values.update(TEST_SHARED_SECRETS)
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


# argon2id as production runs it (the library's RFC 9106 defaults) costs about 150 ms a hash on
# CI's cores, and the escrow and console tests hash and verify thousands of passwords. Tests check
# what is hashed and verified, and how often (tests/fixtures/work.py), never the cost, so they run
# the same argon2id with its smallest parameters. The CLI's subprocesses keep the real ones.
_CHEAP_ARGON2 = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (escrow_oauth, operator_accounts):
        monkeypatch.setattr(module, "_hasher", _CHEAP_ARGON2)


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; every test gets a copy of the file (migrations run for real, but once)."""
    path = tmp_path_factory.mktemp("template") / "peerx.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.node.get_closest_marker("pg") or ALL_ON == "postgresql":
        return str(request.getfixturevalue("pg_database_url"))
    target = tmp_path / "peerx.sqlite3"
    shutil.copy(request.getfixturevalue("sqlite_template"), target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
async def platform(settings: Settings) -> AsyncIterator[Platform]:
    built = build_platform(settings)
    yield built
    await built.aclose()


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(platform=platform)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://peerx.test"
    ) as http:
        yield http


@pytest.fixture
def run_jobs(platform: Platform):  # type: ignore[no-untyped-def]
    async def run() -> int:
        return await drain(platform.worker)

    return run


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    started = start_receiver()
    yield started
    started.server.shutdown()
    started.server.server_close()


# ---------------------------------------------------------------- PostgreSQL


def _pg_admin_dsn() -> str:
    return PG_URL.replace("postgresql+asyncpg://", "postgresql://")


async def _pg_execute(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_pg_admin_dsn())
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _base_url(name: str) -> str:
    head, _, _ = PG_URL.rpartition("/")
    return f"{head}/{name}"


@pytest.fixture(scope="session")
def pg_template() -> str:
    if not PG_URL:
        if REQUIRE_SERVICES:
            pytest.fail("PEERX_TEST_PG_URL is required (PEERX_TEST_REQUIRE_SERVICES=1)")
        pytest.skip("PostgreSQL tests need PEERX_TEST_PG_URL")
    name = f"peerx_tpl_{os.getpid()}"
    try:
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}"'))
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    upgrade(_base_url(name))
    _TEMPLATE_HEADS[name] = asyncio.run(_read_heads(name))
    return name


_TEMPLATE_HEADS: dict[str, list[str]] = {}
# Databases this process made and emptied, ready for the next test. Creating a database from the
# template and dropping it cost about 0.12 s on a quiet machine and seconds under CI's load (each
# copies and then deletes the template's catalogs); emptying the tables a test wrote costs a few
# milliseconds.
_EMPTIED: list[str] = []
# Sequences restart, so ids start at 1 in every test, as they do in a fresh database.
_EMPTY_EVERY_TABLE = """
DO $$
DECLARE
  name text;
BEGIN
  SET LOCAL session_replication_role = replica;  -- no foreign-key triggers: every row goes
  FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'
  LOOP
    EXECUTE format('DELETE FROM %I', name);
  END LOOP;
  PERFORM setval(format('%I', sequencename)::regclass, 1, false) FROM pg_sequences WHERE schemaname = 'public';
END $$;
"""


async def _heads(connection: Any) -> list[str]:
    return [row[0] for row in await connection.fetch("SELECT version_num FROM alembic_version ORDER BY 1")]


async def _read_heads(name: str) -> list[str]:
    connection = await _connect(name)
    try:
        return await _heads(connection)
    finally:
        await connection.close()


async def _connect(name: str) -> Any:
    import asyncpg

    return await asyncpg.connect(_pg_admin_dsn().rpartition("/")[0] + f"/{name}")


async def _new_test_database(template: str) -> str:
    name = f"peerx_t_{uuid.uuid4().hex[:12]}"
    await _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    # Tests never need a commit to survive a crash of the server itself; a killed peerx process
    # still loses nothing it committed.
    await _pg_execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return name


async def _empty(name: str, template: str) -> bool:
    """Empty a used test database for the next test; False if its schema is no longer the
    template's (a test that migrated down and failed), so it is dropped instead."""
    connection = await _connect(name)
    try:
        # Whatever the test left connected (a server it started, a pool it did not close) goes.
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        if await _heads(connection) != _TEMPLATE_HEADS[template]:
            return False
        await connection.execute(_EMPTY_EVERY_TABLE)
        return True
    finally:
        await connection.close()


@pytest.fixture
async def pg_database_url(pg_template: str) -> AsyncIterator[str]:
    name = _EMPTIED.pop() if _EMPTIED else await _new_test_database(pg_template)
    yield _base_url(name)
    try:
        reusable = await _empty(name, pg_template)
    except Exception:
        reusable = False
    if reusable:
        _EMPTIED.append(name)
    else:
        await _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if PG_URL:
        with contextlib.suppress(Exception):  # best-effort cleanup
            for name in _EMPTIED:
                asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "peerx_tpl_{os.getpid()}" WITH (FORCE)'))
