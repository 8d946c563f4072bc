"""Database: one declarative Base for every table, engines for SQLite and PostgreSQL, and the
unit of work that owns each transaction (services only flush; the owner commits or rolls back)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, Select, String, event, func, select
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from peerx.core.clock import clock
from peerx.core.private_files import create_private_file, private_dir

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (portable between SQLite and PostgreSQL), always returned aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class DecimalText(TypeDecorator[Decimal]):
    """Exact decimals (rates, percentages) stored as text: SQLite has no exact numeric type."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


# 64-bit integers everywhere (money in minor units); on SQLite spelled INTEGER, the only type
# that makes a primary key auto-increment there (SQLite integers are 64-bit anyway).
BigInt = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), int: BigInt, dict[str, Any]: JSON(), Decimal: DecimalText()}


Hook = Callable[[], Awaitable[None] | None]


def on_commit(session: AsyncSession, hook: Hook) -> None:
    """Run `hook` after the unit of work commits (e.g. wake the job worker)."""
    session.info.setdefault("after_commit", []).append(hook)


def on_rollback(session: AsyncSession, hook: Hook) -> None:
    """Run `hook` after the unit of work rolls back (e.g. delete a file written for it)."""
    session.info.setdefault("after_rollback", []).append(hook)


def _take_hooks(session: AsyncSession, name: str) -> list[Hook]:
    hooks: list[Hook] = session.info.pop(name, [])
    session.info.pop("after_commit", None)
    session.info.pop("after_rollback", None)
    return hooks


async def _run(hooks: list[Hook]) -> None:
    for hook in hooks:
        try:
            result = hook()
            if result is not None:
                await result
        except Exception:  # a hook must never turn a finished transaction into an error
            log.exception("unit-of-work hook failed")


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int | None = None, pool_timeout: float = 30.0
) -> AsyncEngine:
    if url.startswith("sqlite"):
        _create_sqlite_file(url)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _sqlite_write_locking(engine)
        return engine
    # pool_timeout: a request that finds every connection taken is refused (503, Retry-After)
    # after this long rather than queueing for SQLAlchemy's default 30 s. max_overflow defaults
    # to pool_size (PEERX_DB_POOL_SIZE / PEERX_DB_MAX_OVERFLOW set both).
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
    )


def _create_sqlite_file(url: str) -> None:
    """Create the database file 0600 (in a 0700 folder, if missing) before SQLite opens it:
    SQLite would create it through the umask, and it gives its -wal and -shm files the main
    file's mode. An existing file keeps its mode."""
    database = make_url(url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    create_private_file(private_dir(path.parent) / path.name)


def _sqlite_write_locking(engine: AsyncEngine) -> None:
    """Every SQLite transaction takes the write lock up front (BEGIN IMMEDIATE). That is the
    embedded equivalent of PostgreSQL's row locks: balance checks and the writes they guard can
    never interleave, and a reader can never be upgraded into a deadlocked writer."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int | None = None, pool_timeout: float = 30.0):
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        # Copied into every session's info: lets the platform attach e.g. the worker's wake-up.
        self.session_info: dict[str, Any] = {}
        self._sqlite_lock: asyncio.Lock | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on any exception, then run hooks.

        On SQLite the writers of this process queue on an asyncio lock rather than in SQLite's
        sleep-and-retry busy handler (which gives seconds of tail latency under load); other
        processes (CLI, separate workers) still meet the database's own lock."""
        hooks: list[Hook] = []
        try:
            async with self._writer_turn(), self.sessionmaker() as session:
                session.info.update(self.session_info)
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    hooks = _take_hooks(session, "after_rollback")
                    raise
                hooks = _take_hooks(session, "after_commit")
        finally:
            await _run(hooks)  # outside the lock: a hook may open a unit of work of its own

    @asynccontextmanager
    async def _writer_turn(self) -> AsyncIterator[None]:
        if not self.is_sqlite:
            yield
            return
        if self._sqlite_lock is None:
            self._sqlite_lock = asyncio.Lock()
        async with self._sqlite_lock:
            yield

    async def dispose(self) -> None:
        await self.engine.dispose()


def dialect_insert(session: AsyncSession) -> Callable[[Any], PgInsert | SqliteInsert]:
    """The INSERT construct of the session's dialect, for its ON CONFLICT clauses (PostgreSQL's
    and SQLite's take the same arguments for what peerx uses)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def utcnow() -> datetime:
    return clock.now()


async def paginate(session: AsyncSession, query: Select[Any], *, page: int, per_page: int) -> tuple[list[Any], int]:
    """One page of `query`'s rows (already ordered) and the total count."""
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = await session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return list(rows), int(total or 0)
