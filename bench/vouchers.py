"""Peerwallet vouchers: issuing 100 vouchers in one /voucher-issue call (100 codes from the CSPRNG,
100 keyed hashes checked for reuse and inserted, two ledger transfers, the encrypted codes email
queued, the expiry timer, the event) and redeeming codes, on SQLite and PostgreSQL.

`python -m bench.vouchers [sqlite] [postgresql] [--write]` prints the table; --write puts it in
docs/benchmarks.md under "## Vouchers" (other sections are left as they are)."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx

from bench.common import HEADER, Result, SqlRecorder, bench_platform, machine, measure
from peerx.app import create_app
from peerx.core import ledger
from peerx.ops import actions

ISSUES = 100
REDEMPTIONS = 600
LIMITS = {"peerwallet_rate_limit": "1000000/minute", "peerwallet_code_rate_limit": "1000000/minute"}


async def _vendor(platform, amount: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    async with platform.db.transaction() as session:
        account = await actions.create_account(platform, session, name="Bench Vendor", email="bench@example.com")
        await actions.grant_permission(platform, session, account_id=account["id"], permission="transfer_funds")
        await actions.fund_account(
            platform, session, account_id=account["id"], currency="USD", amount=Decimal(amount), livemode=True
        )
    return account


async def _verified(platform) -> None:  # type: ignore[no-untyped-def]
    async with platform.db.transaction() as session:
        report = await ledger.verify(session)
    assert report.ok, report.problems


async def issue_100(database: str, concurrency: int) -> Result:
    async with bench_platform(database, **LIMITS) as platform:
        account = await _vendor(platform, "10000000.00")
        key = account["peerwallet"]["api_private_key"]  # type: ignore[index]
        app = create_app(platform=platform)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:

            async def issue(i: int) -> None:
                resp = await client.post(
                    "/peerwallet/voucher-issue",
                    headers={"api-private-key": key},
                    data={"quantity": "100", "amount": "10", "currency": "USD"},
                )
                assert resp.status_code == 200, resp.text
                assert resp.json()["voucher_codes"].count(",") == 99

            await issue(-1)  # warm up: first-use account rows, caches
            name = f"issue 100 vouchers (HTTP, x{concurrency})"
            result = await _beside_its_sql(platform, database, name, ISSUES, concurrency, issue)
        await _verified(platform)
        return result


async def redemptions(database: str, concurrency: int) -> Result:
    async with bench_platform(database, **LIMITS) as platform:
        account = await _vendor(platform, "100000.00")
        key = account["peerwallet"]["api_private_key"]  # type: ignore[index]
        app = create_app(platform=platform)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            codes: list[str] = []
            while len(codes) < REDEMPTIONS:
                resp = await client.post(
                    "/peerwallet/voucher-issue",
                    headers={"api-private-key": key},
                    data={"quantity": "100", "amount": "1", "currency": "USD"},
                )
                codes.extend(code.strip() for code in resp.json()["voucher_codes"].split(","))

            async def redeem(i: int) -> None:
                resp = await client.post(
                    "/peerwallet/voucher-redeem", headers={"api-private-key": key}, data={"voucher_code": codes[i]}
                )
                assert resp.status_code == 200, resp.text

            name = f"redeem a code (HTTP, x{concurrency})"
            result = await _beside_its_sql(platform, database, name, REDEMPTIONS, concurrency, redeem)
        await _verified(platform)
        return result


async def _beside_its_sql(  # type: ignore[no-untyped-def]
    platform, database: str, name: str, operations: int, concurrency: int, operation
) -> Result:
    """On PostgreSQL the limit is the SQL the calls committed, replayed bare (SqlRecorder)."""
    if database != "postgresql":
        return await measure(name, database, operations, concurrency, operation)
    with SqlRecorder(platform.db.engine) as recorded:
        await recorded.snapshot(platform.settings.database_url)
        result = await measure(name, database, operations, concurrency, operation)
    result.limit = await recorded.replay("the same SQL, bare asyncpg", operations, concurrency)
    return result


async def run(database: str) -> list[Result]:
    return [
        await issue_100(database, 1),
        await issue_100(database, 4),
        await redemptions(database, 1),
        await redemptions(database, 8),
    ]


async def _versions(databases: list[str]) -> str:
    import sqlite3

    import asyncpg

    from bench.common import PG_URL

    found = [f"SQLite {sqlite3.sqlite_version}"] if "sqlite" in databases else []
    if "postgresql" in databases:
        connection = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            found.append(f"PostgreSQL {(await connection.fetchval('SHOW server_version')).split()[0]}")
        finally:
            await connection.close()
    return ", ".join(found)


NOTES = """
- *issue 100 vouchers*: one `POST /peerwallet/voucher-issue` with quantity=100 through the ASGI
  app: form parsing, key and permission checks, 100 codes from `secrets` and their HMAC-SHA256
  hashes checked against the unique index and inserted, the ledger transfer of face value to the
  float (and one of the fee, when the operator sets one; default 0), the codes email composed,
  AES-GCM encrypted and queued, the expiry timer and the `voucher.issued` event with 100 masked
  vouchers; one committed transaction each. x4 is four such calls in flight (one vendor: they
  queue on its wallet and on the float account, as they must).
- *redeem a code*: `POST /peerwallet/voucher-redeem`: hash lookup, voucher row lock, one
  ledger transfer from the float to the redeemer's wallet, the event; one transaction each.
- Sending the email is a job and is not timed here. `ledger verify` is clean after every run.
- The 100 voucher rows go in as one executemany without RETURNING. Added through the ORM they
  were inserted one statement per row (to return each id): about 3.5 times slower per call,
  measured with cProfile on SQLite on the same busy machine.
"""


def write_section(table: str, when: str) -> None:
    path = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"## Vouchers\n\n{when}\n\n{table}\n{NOTES}"
    pattern = re.compile(r"^## Vouchers\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)


async def main(databases: list[str], write: bool) -> None:
    load = os.getloadavg()[0]
    when = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}, {await _versions(databases)}.\n"
        f"Load average {load:.2f} when the run started (other work shares these cores: the tail "
        "latencies are an upper bound)."
    )
    rows = []
    for database in databases:
        for result in await run(database):
            rows.append(result.row())
            print(result.row(), flush=True)
    table = HEADER + "\n" + "\n".join(rows)
    print(f"\n{when}\n\n{table}")
    if write:
        write_section(table, when)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    asyncio.run(main(args or ["sqlite", "postgresql"], "--write" in sys.argv))
