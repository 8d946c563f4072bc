"""Withdrawals: validation per method, the two-phase hold, payout through the rail (sandbox magic
numbers in test mode, the manual rail in live mode without a connector), and the ledger."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from peerx.core.clock import clock
from peerx.core.events import Event
from peerx.ops.giftcards import actions as giftcard_ops
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories.giftcards import count_rows
from tests.fixtures.ledger import verify_ledger

PTP = cards.PTP


def body(**overrides):
    data = {"amount": 500, "method": "mtn_momo", "account_name": "John Doe", "account_number": "0241234567"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


async def withdraw(client, key, **overrides):
    return await client.post(f"{PTP}/withdrawals.php", json=body(**overrides), headers={"X-API-Key": key})


async def wallet(client, key):
    data = (await client.get(f"{PTP}/wallet.php", headers={"X-API-Key": key})).json()["data"]
    return Decimal(str(data["available_balance"])), Decimal(str(data["held_balance"]))


async def status_of(client, key, reference):
    listed = (await client.get(f"{PTP}/withdrawals.php", headers={"X-API-Key": key})).json()["data"]
    return next(w for w in listed if w["reference"] == reference)


async def event_types(platform):
    async with platform.db.transaction() as session:
        return list(
            await session.scalars(select(Event.type).where(Event.type.like("withdrawal.%")).order_by(Event.created_at))
        )


async def test_successful_payout_posts_the_hold(client, platform, merchant, test_key, run_jobs):
    await f.fund(platform, merchant["id"], "800", livemode=False)
    resp = await withdraw(client, test_key)
    assert resp.status_code == 200
    data = resp.json()["data"]
    assert resp.json()["message"] == "Withdrawal request submitted."
    assert data["status"] == "pending" and data["method"] == "mtn_momo" and data["account_number"] == "233241234567"
    assert '"amount":500.00' in resp.text and data["reference"].startswith("WDR")
    assert await wallet(client, test_key) == (Decimal("300.00"), Decimal("500.00"))
    await run_jobs()
    assert (await status_of(client, test_key, data["reference"]))["status"] == "completed"
    assert await wallet(client, test_key) == (Decimal("300.00"), Decimal("0.00"))
    assert await event_types(platform) == ["withdrawal.created", "withdrawal.completed"]
    await verify_ledger(platform)


async def test_failed_payout_returns_the_funds(client, platform, merchant, test_key, run_jobs):
    await f.fund(platform, merchant["id"], "800", livemode=False)
    ref = (await withdraw(client, test_key, account_number="0241231111")).json()["data"]["reference"]
    await run_jobs()
    view = await status_of(client, test_key, ref)
    assert view["status"] == "failed" and view["failure_reason"] == "PAYEE_NOT_FOUND"
    assert await wallet(client, test_key) == (Decimal("800.00"), Decimal("0.00"))
    assert await event_types(platform) == ["withdrawal.created", "withdrawal.failed"]
    await verify_ledger(platform)


@pytest.mark.parametrize(
    ("number", "final"), [("0241232222", "completed"), ("0241233333", "failed"), ("0241234444", "completed")]
)
async def test_pending_or_timed_out_payouts_are_decided_by_status(
    client, platform, merchant, test_key, run_jobs, number, final
):
    await f.fund(platform, merchant["id"], "800", livemode=False)
    ref = (await withdraw(client, test_key, account_number=number)).json()["data"]["reference"]
    await run_jobs()
    assert (await status_of(client, test_key, ref))["status"] == "processing"
    assert await wallet(client, test_key) == (Decimal("300.00"), Decimal("500.00"))
    clock.advance(timedelta(minutes=1))
    await run_jobs()
    assert (await status_of(client, test_key, ref))["status"] == final
    expected = (Decimal("300.00"), Decimal("0.00")) if final == "completed" else (Decimal("800.00"), Decimal("0.00"))
    assert await wallet(client, test_key) == expected
    await verify_ledger(platform)


async def test_live_payouts_without_a_connector_wait_for_the_operator(client, platform, merchant, live_key, run_jobs):
    await f.fund(platform, merchant["id"], "1000", livemode=True)
    ref = (await withdraw(client, live_key, amount="250.50")).json()["data"]["reference"]
    await run_jobs()
    clock.advance(timedelta(hours=1))
    assert await run_jobs() == 0  # the manual rail is not polled
    assert (await status_of(client, live_key, ref))["status"] == "processing"
    async with platform.db.transaction() as session:
        view = await giftcard_ops.settle_withdrawal(platform, session, reference=ref, paid=True, note="MoMo TX 8812")
    assert view["status"] == "completed"
    assert await wallet(client, live_key) == (Decimal("749.50"), Decimal("0.00"))
    with pytest.raises(Exception, match="already completed"):
        async with platform.db.transaction() as session:
            await giftcard_ops.settle_withdrawal(platform, session, reference=ref, paid=False, note="")
    await verify_ledger(platform)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": None}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": "0.50"}, "amount"),
        ({"amount": "10.005"}, "amount"),
        ({"method": None}, "method"),
        ({"method": "paypal"}, "method"),
        ({"account_name": None}, "account_name"),
        ({"account_name": "   "}, "account_name"),
        ({"account_number": None}, "account_number"),
        ({"account_number": "12345"}, "account_number"),
        ({"account_number": "0201234567"}, "account_number"),  # a Telecel number for mtn_momo
        ({"method": "vodafone_cash", "account_number": "0241234567"}, "account_number"),
        ({"method": "airteltigo_money", "account_number": "+233 55 123 4567"}, "account_number"),
        ({"account_number": "+27 323 313 85993"}, "account_number"),  # a foreign number: was a 500
        ({"method": "bank_transfer", "account_number": "1234567890"}, "bank_name"),
        ({"method": "bank_transfer", "account_number": "12ab", "bank_name": "GCB"}, "account_number"),
    ],
)
async def test_bad_withdrawals_name_the_field_and_hold_nothing(client, platform, merchant, test_key, overrides, field):
    await f.fund(platform, merchant["id"], "800", livemode=False)
    before = await count_rows(platform)
    resp = await withdraw(client, test_key, **overrides)
    assert resp.status_code == 400, resp.text
    assert resp.json()["success"] is False and resp.json()["message"].startswith(field)
    assert await count_rows(platform) == before
    assert await wallet(client, test_key) == (Decimal("800.00"), Decimal("0.00"))


@pytest.mark.parametrize(
    ("method", "number", "extra"),
    [
        ("vodafone_cash", "0501234567", {}),
        ("airteltigo_money", "+233261234567", {}),
        ("bank_transfer", "0012345678901", {"bank_name": "GCB Bank"}),
    ],
)
async def test_each_method_accepts_its_own_accounts(
    client, platform, merchant, test_key, run_jobs, method, number, extra
):
    await f.fund(platform, merchant["id"], "800", livemode=False)
    resp = await withdraw(client, test_key, method=method, account_number=number, **extra)
    assert resp.status_code == 200, resp.text
    await run_jobs()
    assert (await status_of(client, test_key, resp.json()["data"]["reference"]))["status"] == "completed"


async def test_insufficient_balance_is_refused_without_a_trace(client, platform, merchant, test_key):
    await f.fund(platform, merchant["id"], "499.99", livemode=False)
    before = await count_rows(platform)
    resp = await withdraw(client, test_key)
    assert resp.status_code == 400 and resp.json() == {"success": False, "message": "Insufficient balance."}
    assert await count_rows(platform) == before


async def test_non_json_bodies_are_refused(client, test_key):
    resp = await client.post(f"{PTP}/withdrawals.php", content=b"amount=5", headers={"X-API-Key": test_key})
    assert resp.status_code == 400 and resp.json()["message"].startswith("body")


async def test_withdrawal_idempotency(client, platform, merchant, test_key):
    await f.fund(platform, merchant["id"], "800", livemode=False)
    headers = {"X-API-Key": test_key, "Idempotency-Key": "w-1"}
    first = await client.post(f"{PTP}/withdrawals.php", json=body(), headers=headers)
    second = await client.post(f"{PTP}/withdrawals.php", json=body(), headers=headers)
    assert first.json() == second.json()
    assert await wallet(client, test_key) == (Decimal("300.00"), Decimal("500.00"))
    third = await client.post(f"{PTP}/withdrawals.php", json=body(amount=100), headers=headers)
    assert third.status_code == 422


async def test_list_is_paginated_and_scoped(client, platform, merchant, test_key, live_key):
    await f.fund(platform, merchant["id"], "800", livemode=False)
    for amount in (10, 20, 30):
        await withdraw(client, test_key, amount=amount)
    page = (
        await client.get(f"{PTP}/withdrawals.php", params={"per_page": 2, "page": 2}, headers={"X-API-Key": test_key})
    ).json()
    assert page["meta"] == {"page": 2, "per_page": 2, "total": 3} and len(page["data"]) == 1
    live = (await client.get(f"{PTP}/withdrawals.php", headers={"X-API-Key": live_key})).json()
    assert live["data"] == [] and live["meta"]["total"] == 0
