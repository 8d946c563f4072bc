"""Peerwallet on PostgreSQL, where requests really run at once: one code redeemed by 20 racing
requests credits once; racing issues never spend more than the balance; the books stay exact."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from sqlalchemy import func, select

from peerx.core.mail import MailMessage
from peerx.products.vouchers.models import Voucher, VoucherOrder
from peerx.products.vouchers.service import float_account
from tests.fixtures.factories.vouchers import PW, call, codes_of, issue, pw_live, usd, vendor
from tests.fixtures.ledger import available
from tests.pg.test_concurrency import verify_with_cli


async def test_20_concurrent_redemptions_of_one_code_credit_once(client, platform, settings):
    seller = await vendor(platform, live="100.00", test=None)
    customers = [
        await vendor(platform, name=f"C{i}", email=f"c{i}@example.com", live=None, test=None, permitted=False)
        for i in range(20)
    ]
    code = codes_of(await issue(client, pw_live(seller), quantity=1, amount=40))[0]

    async def redeem(customer: dict[str, object]) -> httpx.Response:
        return await call(client, "voucher-redeem", pw_live(customer), voucher_code=code)

    responses = await asyncio.gather(*(redeem(c) for c in customers))
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 19}
    assert {r.json()["message"] for r in responses if r.status_code == 409} == {
        "voucher_code has already been redeemed."
    }
    winner = next(c for c, r in zip(customers, responses, strict=True) if r.status_code == 200)
    credited = [await usd(platform, c["id"]) for c in customers]
    assert sorted(credited) == [0] * 19 + [4_000] and await usd(platform, winner["id"]) == 4_000
    assert await available(platform, float_account(True)) == 0
    report = await verify_with_cli(settings)
    assert report["ok"] is True and report["problems"] == []


async def test_same_customer_racing_with_one_code_credits_once(client, platform, settings):
    seller = await vendor(platform, live="100.00", test=None)
    customer = await vendor(platform, name="Esi", email="esi@example.com", live=None, test=None, permitted=False)
    code = codes_of(await issue(client, pw_live(seller), quantity=1, amount=25))[0]
    responses = await asyncio.gather(
        *(call(client, "voucher-redeem", pw_live(customer), voucher_code=code) for _ in range(20))
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 19}
    assert await usd(platform, customer["id"]) == 2_500
    assert (await verify_with_cli(settings))["ok"] is True


async def test_concurrent_issues_never_overdraw(client, platform, settings):
    seller = await vendor(platform, live="500.00", test=None)  # exactly 5 orders of 5 x 20

    responses = await asyncio.gather(*(issue(client, pw_live(seller), quantity=5, amount=20) for _ in range(20)))
    assert Counter(r.status_code for r in responses) == {200: 5, 402: 15}
    assert await usd(platform, seller["id"]) == 0
    assert await available(platform, float_account(True)) == 50_000
    async with platform.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(VoucherOrder)) == 5
        assert await session.scalar(select(func.count()).select_from(Voucher)) == 25
        assert await session.scalar(select(func.count()).select_from(MailMessage)) == 5  # failures mail nothing
    codes = [code for r in responses if r.status_code == 200 for code in codes_of(r)]
    assert len(set(codes)) == 25
    report = await verify_with_cli(settings)
    assert report["ok"] is True and report["problems"] == []


async def test_void_racing_redemptions_settles_each_voucher_once(client, platform, settings):
    seller = await vendor(platform, live="100.00", test=None)
    customer = await vendor(platform, name="Esi", email="esi@example.com", live=None, test=None, permitted=False)
    issued = await issue(client, pw_live(seller), quantity=4, amount=10)
    codes = codes_of(issued)
    order_id = issued.json()["order_id"]
    results = await asyncio.gather(
        call(client, "voucher-void", pw_live(seller), order_id=order_id),
        *(call(client, "voucher-redeem", pw_live(customer), voucher_code=c) for c in codes),
    )
    void, redemptions = results[0], results[1:]
    redeemed = sum(1 for r in redemptions if r.status_code == 200)
    voided = void.json()["quantity"] if void.status_code == 200 else 0
    assert redeemed + voided == 4
    assert await usd(platform, customer["id"]) == redeemed * 1_000
    assert await usd(platform, seller["id"]) == 10_000 - 4_000 + voided * 1_000
    assert await available(platform, float_account(True)) == 0
    assert (await verify_with_cli(settings))["ok"] is True
    lookup = await client.get(
        f"{PW}/voucher-order", params={"order_id": order_id}, headers={"api-private-key": pw_live(seller)}
    )
    assert sorted(v["voucher_status"] for v in lookup.json()["vouchers"]) == sorted(
        ["redeemed"] * redeemed + ["void"] * voided
    )
