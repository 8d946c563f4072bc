"""`python -m bench.run [sqlite|postgresql ...]`: run every product's benchmarks, print a table."""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
from datetime import UTC, datetime

from bench.common import HEADER, load, machine

MODULES = [
    "bench.giftcards",
    "bench.ledger",
    "bench.webhooks",
    "bench.vouchers",
    "bench.bitcoin_search",
    "bench.bitcoin_match",
    "bench.console_login",
    "bench.slow_clients",
]


async def main(databases: list[str]) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}, {load()}\n")
    print(HEADER)
    for index, name in enumerate(MODULES, 1):
        module = importlib.import_module(name)
        for database in databases:
            # Progress on stderr: stdout stays the markdown table docs/benchmarks.md takes.
            started = time.monotonic()
            print(f"[{index}/{len(MODULES)}] {name} on {database}...", file=sys.stderr, flush=True)
            for result in await module.run(database):
                print(result.row(), flush=True)
            print(
                f"[{index}/{len(MODULES)}] {name} on {database}: {time.monotonic() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or ["sqlite", "postgresql"]))
