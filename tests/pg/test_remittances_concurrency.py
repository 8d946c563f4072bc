"""On PostgreSQL, Peex requests racing for one partner's solde: the row lock on the solde lets
exactly as many through as it covers; the rest wait in balance_pending. The books stay exact."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from sqlalchemy import func, select

from peerx.core import ledger
from peerx.core.ledger import LedgerTransfer
from peerx.products.remittances.models import Transaction
from tests.fixtures.factories.remittances import create_partner, fund, pay, set_partner
from tests.pg.test_concurrency import verify_with_cli


async def test_30_concurrent_requests_against_a_balance_for_10(client, platform, settings, run_jobs):
    partner = await create_partner(platform)
    key = partner["peex"]["test_secret_key"]
    await set_partner(platform, partner["id"], mtn_fee="100")
    await fund(platform, partner["id"], 10 * 1100, livemode=False)  # exactly 10 x (1000 + 100 fee)

    async def request(n: int) -> httpx.Response:
        return await pay(client, key, amount=1000, track_id=f"RACE-{n:02d}")

    responses = await asyncio.gather(*(request(n) for n in range(30)))
    assert {r.status_code for r in responses} == {200}
    assert Counter(r.json()["request"]["status"] for r in responses) == {"new": 10, "balance_pending": 20}
    await run_jobs()

    async with platform.db.transaction() as session:
        statuses = Counter(await session.scalars(select(Transaction.status)))
        holds = Counter(
            await session.scalars(select(LedgerTransfer.pending_state).where(LedgerTransfer.code == "remittances.hold"))
        )
        fees = await ledger.find_account(session, ledger.platform_account("remittance_fees", "XAF", False))
        wallet = await ledger.find_account(session, ledger.party_wallet(partner["id"], "XAF", False))
        paid_holds = await session.scalar(
            select(func.count()).select_from(LedgerTransfer).where(LedgerTransfer.code == "remittances.paid")
        )
    assert statuses == {"paid": 10, "balance_pending": 20}
    assert holds == {"posted": 10}  # exactly 10 paid-path debits, no refused one left behind
    assert paid_holds == 10 * 2  # each: the hold posted, and the amount paid out
    assert fees is not None and fees.credits_posted == 10 * 100
    assert wallet is not None and (wallet.available, wallet.held) == (0, 0)
    report = await verify_with_cli(settings)
    assert report["ok"] is True and report["problems"] == []


async def test_the_same_track_id_at_once_creates_one_request(client, platform):
    partner = await create_partner(platform)
    key = partner["peex"]["test_secret_key"]
    await fund(platform, partner["id"], 100_000, livemode=False)
    responses = await asyncio.gather(*(pay(client, key, amount=100, track_id="ONCE") for _ in range(8)))
    assert Counter(r.status_code for r in responses) == {200: 1, 422: 7}
    assert {r.json()["field"] for r in responses if r.status_code == 422} == {"track_id"}
    async with platform.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Transaction)) == 1
        wallet = await ledger.find_account(session, ledger.party_wallet(partner["id"], "XAF", False))
    assert wallet is not None and wallet.available == 100_000 - 100
    assert (await verify_with_cli(platform.settings))["ok"] is True
