"""Ledger transfers, each its own unit of work (lock both accounts, check limits, write, commit),
beside the machine's limit measured in the same run: pgbench running a script that does what a
transfer does (BEGIN; lock both rows in id order; update both totals; insert the transfer row;
COMMIT) on the same migrated schema, with the same concurrency and number of transactions.

Two loads: one hot account (a funding account paying 32 wallets: every transfer locks it) and
distinct accounts (each lane its own pair: no lock is contended). On PostgreSQL each runs with
peerx's one-statement path ("after") and with the ORM path it replaced ("before", the path
SQLite keeps), then pgbench in simple and prepared protocol. `ledger.verify` must be clean after
every peerx run, and it stays clean after pgbench, whose script keeps the books as a transfer does.

`python -m bench.ledger [sqlite|postgresql ...] [--profile]`: print the table; --profile adds a
cProfile of this process and pg_stat_activity sampling (how often the hot row's lock holder is
idle in transaction, waiting for the client)."""

from __future__ import annotations

import asyncio
import cProfile
import glob
import os
import pstats
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import make_url

from bench.common import HEADER, Result, bench_platform, load, machine, measure
from peerx.core import ledger
from peerx.platform import Platform

HOT_WALLETS = 32
AMOUNT = 100
Move = Callable[..., Awaitable[ledger.LedgerTransfer]]
# The path a transfer takes: "after" is ledger.transfer (one statement on PostgreSQL); "before"
# is the ORM path it replaced there (SELECT ... FOR UPDATE, then the ORM's UPDATEs and INSERT).
PATHS: dict[str, Move] = {"after": ledger.transfer, "before": ledger._transfer_orm}
PROFILE = {"on": False}


@dataclass(frozen=True)
class Load:
    name: str  # "hot account" | "distinct accounts"
    pairs: list[tuple[int, int]]  # (debit id, credit id); hot: one debit, many credits
    # Loaded once and passed to every unit of work, as bench/giftcards did: the measured work is
    # the transfer itself (the ORM path reloads them under its lock; the statement needs only ids).
    accounts: dict[int, ledger.LedgerAccount]

    def pair(self, i: int, lane: int) -> tuple[int, int]:
        return self.pairs[i % len(self.pairs)] if self.name == "hot account" else self.pairs[lane]


async def _prepare(platform: Platform, kind: str, lanes: int) -> Load:
    async with platform.db.transaction() as session:
        if kind == "hot account":
            source = await ledger.get_account(session, ledger.platform_account("funding", "GHS", True))
            wallets = [await ledger.get_account(session, ledger.party_wallet(n, "GHS", True)) for n in range(32)]
            return Load(kind, [(source.id, w.id) for w in wallets], {a.id: a for a in (source, *wallets)})
        pairs: list[tuple[int, int]] = []
        accounts: dict[int, ledger.LedgerAccount] = {}
        for lane in range(lanes):
            source = await ledger.get_account(session, ledger.platform_account(f"funding{lane}", "GHS", True))
            wallet = await ledger.get_account(session, ledger.party_wallet(lane, "GHS", True))
            pairs.append((source.id, wallet.id))
            accounts |= {source.id: source, wallet.id: wallet}
        return Load(kind, pairs, accounts)


async def _verify(platform: Platform, transfers: int) -> None:
    async with platform.db.transaction() as session:
        report = await ledger.verify(session)
    assert report.ok and report.transfers == transfers, (report.problems, report.transfers, transfers)


async def _peerx(platform: Platform, database: str, work: Load, path: str, operations: int, concurrency: int) -> Result:
    move = PATHS[path]
    lanes: dict[int, int] = {}  # measure() runs each lane as its own task

    async def one(i: int) -> None:
        lane = lanes.setdefault(id(asyncio.current_task()), len(lanes))
        debit_id, credit_id = work.pair(i, lane)
        debit, credit = work.accounts[debit_id], work.accounts[credit_id]
        async with platform.db.transaction() as session:
            await move(session, debit, credit, AMOUNT, code="bench", reference=str(i), pending=False)

    label = "" if database == "sqlite" else f", {path}"
    return await measure(
        f"ledger transfer, {work.name}{label} (x{concurrency})", database, operations, concurrency, one
    )


# ---------------------------------------------------------------- the limit: pgbench

SCRIPT = """\
{choose}
BEGIN;
SELECT id FROM ledger_accounts WHERE id IN (:debit, :credit) ORDER BY id FOR UPDATE;
UPDATE ledger_accounts SET debits_posted = debits_posted + {amount} WHERE id = :debit;
UPDATE ledger_accounts SET credits_posted = credits_posted + {amount} WHERE id = :credit;
INSERT INTO ledger_transfers (debit_account_id, credit_account_id, amount, currency, livemode, kind, code,
    reference, created_at)
    VALUES (:debit, :credit, {amount}, 'GHS', true, 'single', 'pgbench', 'pgbench', now() at time zone 'utc');
COMMIT;
"""


def _choose(work: Load) -> str:
    """pgbench lines setting :debit and :credit as the peerx run picks them."""
    debits = sorted({d for d, _ in work.pairs})
    credits = sorted({c for _, c in work.pairs})
    if work.name == "hot account":  # one debit, consecutive wallet ids
        assert len(debits) == 1 and credits == list(range(credits[0], credits[0] + len(credits)))
        return f"\\set debit {debits[0]}\n\\set credit random({credits[0]}, {credits[-1]})"
    # each client its own pair: ids are created pairwise, debit then credit
    first = work.pairs[0][0]
    assert work.pairs == [(first + 2 * k, first + 2 * k + 1) for k in range(len(work.pairs))]
    return f"\\set debit {first} + 2 * :client_id\n\\set credit :debit + 1"


def _pgbench(url: str, work: Load, operations: int, concurrency: int, mode: str) -> Result:
    db = make_url(url)
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "transfer.sql")
        with open(script, "w") as out:
            out.write(SCRIPT.format(choose=_choose(work), amount=AMOUNT))
        command = [
            "pgbench",
            "-n",  # no vacuum of pgbench's own tables (there are none)
            "-h",
            db.host or "127.0.0.1",
            "-p",
            str(db.port or 5432),
            "-U",
            db.username or "postgres",
            "-c",
            str(concurrency),
            "-j",
            str(min(2, concurrency)),
            "-t",
            str(operations // concurrency),
            "-M",
            mode,
            "-f",
            script,
            "--log",
            f"--log-prefix={tmp}/log",
            db.database or "",
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr + done.stdout
        latencies: list[float] = []
        starts: list[float] = []
        ends: list[float] = []
        # Per transaction: client_id transaction_no latency_us script_no epoch_s epoch_us
        for log in glob.glob(f"{tmp}/log.*"):
            with open(log) as lines:
                for line in lines:
                    fields = line.split()
                    latency_us, end = int(fields[2]), int(fields[4]) + int(fields[5]) / 1e6
                    latencies.append(latency_us / 1000)
                    ends.append(end)
                    starts.append(end - latency_us / 1e6)
    assert len(latencies) == operations // concurrency * concurrency, done.stdout
    name = "pgbench" if mode == "simple" else f"pgbench -M {mode}"
    return Result(name, "postgresql", len(latencies), max(ends) - min(starts), latencies)


# ---------------------------------------------------------------- profiling (--profile)


@asynccontextmanager
async def _activity(url: str) -> AsyncIterator[Counter[str]]:
    """Sample pg_stat_activity of the bench database every ~2 ms: the state of each backend
    holding a transaction open (active, waiting on a lock, or idle in transaction)."""
    import asyncpg

    seen: Counter[str] = Counter()
    name = make_url(url).database
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))

    async def sample() -> None:
        while True:
            rows = await connection.fetch(
                "SELECT state, wait_event_type FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid() AND xact_start IS NOT NULL",
                name,
            )
            for state, wait in rows:
                seen["lock wait" if wait == "Lock" else state] += 1
            seen["samples"] += 1
            await asyncio.sleep(0.002)

    task = asyncio.create_task(sample())
    try:
        yield seen
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await connection.close()


def _show_activity(label: str, seen: Counter[str]) -> None:
    held = sum(v for k, v in seen.items() if k != "samples") or 1
    shares = ", ".join(f"{k} {v / held:.0%}" for k, v in seen.most_common() if k != "samples")
    print(f"  pg_stat_activity, {label}: open transactions were {shares}", file=sys.stderr)


async def _profiled(
    url: str, label: str, run: Callable[[], Awaitable[Result]], profiler: cProfile.Profile | None
) -> Result:
    if not PROFILE["on"] or not url.startswith("postgresql"):
        return await run()
    async with _activity(url) as seen:
        if profiler is not None:
            profiler.enable()
        try:
            result = await run()
        finally:
            if profiler is not None:
                profiler.disable()
    _show_activity(label, seen)
    return result


async def _pgbench_profiled(url: str, label: str, work: Load, operations: int, concurrency: int, mode: str) -> Result:
    return await _profiled(
        url, label, lambda: asyncio.to_thread(_pgbench, url, work, operations, concurrency, mode), None
    )


# ---------------------------------------------------------------- the runs


async def _scenario(database: str, kind: str, operations: int, concurrency: int) -> list[Result]:
    async with bench_platform(database) as platform:
        work = await _prepare(platform, kind, concurrency)
        done = 0
        results: list[Result] = []
        paths = ["before", "after"] if database == "postgresql" else ["after"]
        profilers = {path: cProfile.Profile() for path in paths}
        for path in paths:
            result = await _profiled(
                platform.db.url,
                f"peerx {path}, {kind} x{concurrency}",
                lambda path=path: _peerx(platform, database, work, path, operations, concurrency),
                profilers[path] if concurrency > 1 else None,
            )
            done += operations
            await _verify(platform, done)
            results.append(result)
        if database != "postgresql":
            return results
        limits = {}
        for mode in ("simple", "prepared"):
            limits[mode] = await _pgbench_profiled(
                platform.db.url, f"pgbench -M {mode}, {kind} x{concurrency}", work, operations, concurrency, mode
            )
            done += limits[mode].operations
            await _verify(platform, done)  # the script keeps the books as a transfer does
        for result in results:
            result.limit = limits["simple"]
        after = results[-1]
        results.append(
            Result(after.name + " vs -M prepared", database, after.operations, after.seconds, after.latencies_ms)
        )
        results[-1].limit = limits["prepared"]
        if PROFILE["on"] and concurrency > 1:
            for path, profiler in profilers.items():
                print(f"  cProfile, peerx {path}, {kind} x{concurrency}:", file=sys.stderr)
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(18)
        return results


async def run(database: str) -> list[Result]:
    results = []
    for kind in ("hot account", "distinct accounts"):
        results += await _scenario(database, kind, 1000, 1)
        results += await _scenario(database, kind, 3000, 8)
    return results


async def main(databases: list[str]) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}, {load()}\n")
    print(HEADER)
    for database in databases:
        for result in await run(database):
            print(result.row(), flush=True)


if __name__ == "__main__":
    PROFILE["on"] = "--profile" in sys.argv
    asyncio.run(main([arg for arg in sys.argv[1:] if not arg.startswith("--")] or ["sqlite", "postgresql"]))
