"""What SQLite's single writer cannot show: on PostgreSQL, requests racing for the same balance,
trade or key move money exactly once, and workers racing for jobs never run one twice."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select

from peerx.core import ledger
from peerx.core.db import Database
from peerx.core.jobs import JobContext, Worker, drain, enqueue
from peerx.ops.giftcards import actions as giftcard_ops
from peerx.products.giftcards.models import Trade, Withdrawal
from tests.conftest import TEST_KEYS, TEST_SHARED_SECRETS
from tests.core.test_migrations import schema_drift
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards

PTP = cards.PTP


async def verify_with_cli(settings) -> dict[str, Any]:
    import json

    env = {
        **os.environ,
        "PEERX_DATABASE_URL": settings.effective_database_url,
        "PEERX_DATA_DIR": str(settings.data_dir),
        **{f"PEERX_{k.upper()}": v for k, v in {**TEST_KEYS, **TEST_SHARED_SECRETS}.items()},
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "peerx.cli.main", "ledger", "verify", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def test_migrations_match_models_on_postgresql(database_url):
    assert await schema_drift(database_url) == []


async def test_50_concurrent_withdrawals_against_a_balance_for_5(client, platform, settings, run_jobs):
    account = await f.merchant(platform)
    key = account["peertupeer"]["test_key"]
    await f.fund(platform, account["id"], "500.00", livemode=False)  # covers exactly 5 x 100

    async def withdraw(i: int) -> httpx.Response:
        return await client.post(
            f"{PTP}/withdrawals.php",
            headers={"X-API-Key": key},
            json={"amount": "100", "method": "mtn_momo", "account_name": f"Payee {i}", "account_number": "0241234567"},
        )

    responses = await asyncio.gather(*(withdraw(i) for i in range(50)))
    codes = Counter(r.status_code for r in responses)
    assert codes == {200: 5, 400: 45}, codes
    assert {r.json()["message"] for r in responses if r.status_code == 400} == {"Insufficient balance."}
    await run_jobs()
    async with platform.db.transaction() as session:
        statuses = Counter(await session.scalars(select(Withdrawal.status)))
        wallet = await ledger.find_account(session, ledger.party_wallet(account["id"], "GHS", False))
        in_flight = await ledger.find_account(session, ledger.platform_account("payouts_in_flight", "GHS", False))
    assert statuses == {"completed": 5}
    assert wallet is not None and (wallet.available, wallet.held) == (0, 0)
    assert in_flight is not None and in_flight.credits_posted == 50_000
    assert await verify_with_cli(settings) == {"ok": True, "accounts": 3, "transfers": 11, "problems": []}


async def test_racing_approvals_credit_once(client, platform, settings):
    account = await f.merchant(platform)
    await cards.rate(platform)
    ref = (await cards.submit_trade(client, account["peertupeer"]["live_key"])).json()["data"]["reference"]

    async def approve() -> str:
        try:
            async with platform.db.transaction() as session:
                await giftcard_ops.approve_trade(platform, session, reference=ref, card_amount=None)
            return "approved"
        except Exception as exc:  # the losers see a Conflict
            return type(exc).__name__

    outcomes = Counter(await asyncio.gather(*(approve() for _ in range(10))))
    assert outcomes == {"approved": 1, "Conflict": 9}
    async with platform.db.transaction() as session:
        wallet = await ledger.find_account(session, ledger.party_wallet(account["id"], "GHS", True))
        assert wallet is not None and wallet.available == 82_875
    assert (await verify_with_cli(settings))["ok"] is True


async def test_same_idempotency_key_at_once_creates_one_trade(client, platform):
    account = await f.merchant(platform)
    await cards.rate(platform)
    headers = {"X-API-Key": account["peertupeer"]["live_key"], "Idempotency-Key": "same-key"}

    async def submit() -> httpx.Response:
        data, files = cards.trade_form()
        return await client.post(f"{PTP}/trades.php", data=data, files=files, headers=headers)

    responses = await asyncio.gather(*(submit() for _ in range(8)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["data"]["reference"] for r in responses}) == 1
    async with platform.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Trade)) == 1


RUNS: Counter[int] = Counter()


async def _count(ctx: JobContext[None], payload: dict[str, Any]) -> None:
    RUNS[payload["n"]] += 1
    await asyncio.sleep(0)


async def test_several_workers_never_run_a_job_twice(platform, database_url):
    RUNS.clear()
    async with platform.db.transaction() as session:
        for n in range(300):
            await enqueue(session, "tests.count_runs", {"n": n})
    databases = [Database(database_url, pool_size=2) for _ in range(4)]
    workers = [Worker(db, JobContext(db, None), tasks={"tests.count_runs": _count}, batch_size=7) for db in databases]
    try:
        ran = await asyncio.gather(*(drain(w) for w in workers))
    finally:
        for db in databases:
            await db.dispose()
    assert sum(ran) == 300 and all(count == 1 for count in RUNS.values()) and len(RUNS) == 300
    assert sum(1 for r in ran if r > 0) >= 2  # the work really was shared


async def test_concurrent_funding_and_spending_keep_the_books(platform, settings):
    account = await f.merchant(platform)

    async def fund() -> None:
        await f.fund(platform, account["id"], "1.00", livemode=True)

    await asyncio.gather(*(fund() for _ in range(40)))
    async with platform.db.transaction() as session:
        wallet = await ledger.find_account(session, ledger.party_wallet(account["id"], "GHS", True))
        assert wallet is not None and wallet.available == 4_000
    assert Decimal((await verify_with_cli(settings))["transfers"]) == 40
