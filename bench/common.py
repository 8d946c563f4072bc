"""What every benchmark shares: a fresh migrated database (SQLite file or a new PostgreSQL
database), a platform built on it, and latency statistics."""

from __future__ import annotations

import asyncio
import os
import platform as host
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from peerx.composition import build_platform
from peerx.core.migrate import upgrade_async
from peerx.platform import Platform
from peerx.settings import Settings

PG_URL = os.environ.get("PEERX_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@dataclass
class Result:
    name: str
    database: str
    operations: int
    seconds: float
    latencies_ms: list[float]
    # The physical limit measured in the same run doing the same work without peerx (pgbench, a
    # plain httpx loop, a bare Starlette app); the row prints peerx's throughput as a ratio of it.
    limit: Result | None = None

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds

    def percentile(self, pct: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]

    @property
    def ratio(self) -> float | None:
        return None if self.limit is None else self.per_second / self.limit.per_second

    def row(self) -> str:
        own = (
            f"| {self.name} | {self.database} | {self.operations} | {self.per_second:,.0f}/s "
            f"| {statistics.median(self.latencies_ms):.2f} | {self.percentile(99):.2f} |"
        )
        if self.limit is None or self.ratio is None:
            return own + " | | |"
        limit = self.limit
        return own + (
            f" {limit.name}: {limit.per_second:,.0f}/s, p50 {statistics.median(limit.latencies_ms):.2f}, "
            f"p99 {limit.percentile(99):.2f} | {self.ratio:.2f} |"
        )


HEADER = (
    "| benchmark | database | operations | throughput | p50 ms | p99 ms | the limit, same run | ratio |\n"
    "|---|---|---|---|---|---|---|---|"
)


def machine() -> str:
    cpus = os.cpu_count()
    with open("/proc/meminfo") as meminfo:
        mem_kb = int(meminfo.readline().split()[1])
    return (
        f"{host.machine()}, {cpus} cores, {mem_kb / 1024 / 1024:.0f} GiB, "
        f"Linux {host.release()}, Python {host.python_version()}"
    )


def load() -> str:
    """The machine's load when a run starts: other work on these cores inflates tail latencies."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


async def _pg(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def bench_platform(database: str, **settings: object) -> AsyncIterator[Platform]:
    with tempfile.TemporaryDirectory() as tmp:
        name = f"peerx_bench_{uuid.uuid4().hex[:8]}"
        if database == "postgresql":
            await _pg(f'CREATE DATABASE "{name}"')
            url = f"{PG_URL.rpartition('/')[0]}/{name}"
        else:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        try:
            await upgrade_async(url)
            built = build_platform(
                Settings(
                    data_dir=Path(tmp),
                    database_url=url,
                    allow_private_targets=True,
                    peertupeer_rate_limit="1000000/minute",
                    embedded_worker=False,
                    **settings,
                )
            )  # type: ignore[arg-type]
            try:
                yield built
            finally:
                await built.aclose()
        finally:
            if database == "postgresql":
                await _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def measure(
    name: str, database: str, operations: int, concurrency: int, operation: Callable[[int], Awaitable[object]]
) -> Result:
    """Run `operation(i)` for i in range(operations) with `concurrency` at once."""
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(operations):
        queue.put_nowait(i)

    async def lane() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            started = time.perf_counter()
            await operation(i)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return Result(name, database, operations, time.perf_counter() - started, latencies)


class SqlRecorder:
    """Records the statements and parameters of every committed transaction on a PostgreSQL
    engine, as the driver received them, per operation (each asyncio task runs its operations in
    order), so a benchmark can replay the same SQL bare: asyncpg, prepared statements, no ORM and
    no Python around it. That is the limit of the database work peerx asked for.

    The replay runs on a copy of the database taken before peerx's run (`snapshot`), so every
    statement meets the state peerx met, and each transaction is rolled back, so generated ids
    and unique keys never collide between operations. It therefore also skips the commit's WAL
    flush, foreign-key checks and triggers, and a statement naming a row its transaction inserted
    finds none, all of which make the limit faster than the same work committed: a ceiling for
    peerx, not a target it could reach."""

    def __init__(self, engine: AsyncEngine):
        self.engine_async = engine
        self.engine = engine.sync_engine
        self.open: dict[int, list[tuple[str, Any, bool]]] = {}
        self.by_task: dict[int, list[list[tuple[str, Any, bool]]]] = {}
        self.snapshot_url = ""

    async def snapshot(self, url: str) -> None:
        """Copy the database as it is now (peerx's pool is closed first: a template needs no users)."""
        await self.engine_async.dispose()
        name = f"{url.rpartition('/')[2]}_before"
        await _pg(f'CREATE DATABASE "{name}" TEMPLATE "{url.rpartition("/")[2]}"')
        self.snapshot_url = f"{url.rpartition('/')[0]}/{name}"

    def _statement(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        self.open.setdefault(id(conn.connection.dbapi_connection), []).append((statement, parameters, many))

    def _commit(self, conn: Any) -> None:
        statements = self.open.pop(id(conn.connection.dbapi_connection), [])
        task = asyncio.current_task()
        if statements and task is not None:
            self.by_task.setdefault(id(task), []).append(statements)

    def _rollback(self, conn: Any) -> None:
        self.open.pop(id(conn.connection.dbapi_connection), None)

    def __enter__(self) -> SqlRecorder:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    async def replay(self, name: str, operations: int, concurrency: int) -> Result:
        """Replay on the snapshot, `concurrency` at once: each operation is the next `len/operations`
        transactions of one recording task, in the order that task committed them."""
        import asyncpg

        assert self.snapshot_url, "take the snapshot before peerx's run"
        lanes = list(self.by_task.values())
        per_operation = max(1, sum(map(len, lanes)) // operations)
        work: asyncio.Queue[list[list[tuple[str, Any, bool]]]] = asyncio.Queue()
        for lane in lanes:
            for start in range(0, len(lane), per_operation):
                work.put_nowait(lane[start : start + per_operation])
        idle: asyncio.Queue[Any] = asyncio.Queue()
        for _ in range(concurrency):
            connection = await asyncpg.connect(self.snapshot_url.replace("postgresql+asyncpg://", "postgresql://"))
            for kind in ("json", "jsonb"):  # SQLAlchemy hands JSON over as text
                await connection.set_type_codec(kind, encoder=str, decoder=str, schema="pg_catalog", format="text")
            # A recorded statement may name a row an earlier statement of its transaction inserted
            # under an id the replay does not reproduce; with triggers off (foreign keys are
            # triggers) it then touches nothing instead of failing.
            await connection.execute("SET session_replication_role = replica")
            idle.put_nowait(connection)

        async def operation(_: int) -> None:
            transactions = work.get_nowait()
            connection = await idle.get()
            try:
                for statements in transactions:
                    transaction = connection.transaction()
                    await transaction.start()
                    for statement, parameters, many in statements:
                        if many:
                            await connection.executemany(statement, parameters)
                        else:
                            await connection.fetch(statement, *parameters)
                    await transaction.rollback()
            finally:
                idle.put_nowait(connection)

        try:
            return await measure(name, "postgresql", work.qsize(), concurrency, operation)
        finally:
            while not idle.empty():
                await idle.get_nowait().close()
            await _pg(f'DROP DATABASE IF EXISTS "{self.snapshot_url.rpartition("/")[2]}" WITH (FORCE)')
