"""Voiding by the vendor and expiry by the timer: value goes back (or, by operator setting, to the
platform), fees stay, events tell the vendor, redeemed vouchers are never touched."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from peerx.core.clock import clock
from peerx.products.vouchers.service import breakage_account, float_account
from tests.fixtures.factories.vouchers import (
    call,
    codes_of,
    count_rows,
    event_types,
    issue,
    pw_live,
    usd,
    vendor,
)
from tests.fixtures.ledger import available, verify_ledger


@pytest.fixture
async def parties(platform):  # type: ignore[no-untyped-def]
    seller = await vendor(platform, live="1000.00")
    customer = await vendor(platform, name="Esi", email="esi@example.com", live=None, test=None, permitted=False)
    return seller, customer


async def test_void_named_codes_refunds_face_value_but_not_the_fee(client, platform, parties):
    platform.settings.vouchers_fee_fixed = Decimal("1")
    seller, _ = parties
    issued = await issue(client, pw_live(seller), quantity=4, amount=25)
    order_id, codes = issued.json()["order_id"], codes_of(issued)
    assert await usd(platform, seller["id"]) == 100_000 - 10_400
    resp = await call(
        client, "voucher-void", pw_live(seller), order_id=order_id, voucher_codes=f"{codes[0]}, {codes[2]}"
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["status"], body["void_status"], body["order_id"], body["quantity"], body["amount_refunded"]) == (
        200,
        "success",
        order_id,
        2,
        50,
    )
    assert [v["voucher_code"] for v in body["vouchers"]] == ["*" * 16 + codes[0][-4:], "*" * 16 + codes[2][-4:]]
    assert {v["voucher_status"] for v in body["vouchers"]} == {"void"}
    assert await usd(platform, seller["id"]) == 100_000 - 10_400 + 5_000
    assert await available(platform, float_account(True)) == 5_000
    lookup = (await call(client, "voucher-order", pw_live(seller), order_id=order_id)).json()
    assert [v["voucher_status"] for v in lookup["vouchers"]] == ["void", "active", "void", "active"]
    redeem = await call(client, "voucher-redeem", pw_live(parties[1]), voucher_code=codes[0])
    assert (redeem.status_code, redeem.json()["message"]) == (409, "voucher_code has been voided.")
    assert await event_types(platform) == ["voucher.issued", "voucher.voided"]
    await verify_ledger(platform)


async def test_void_without_codes_takes_every_active_voucher(client, platform, parties):
    seller, customer = parties
    issued = await issue(client, pw_live(seller), quantity=3, amount=10)
    codes = codes_of(issued)
    await call(client, "voucher-redeem", pw_live(customer), voucher_code=codes[1])
    resp = await call(client, "voucher-void", pw_live(seller), order_id=issued.json()["order_id"])
    assert resp.status_code == 200 and resp.json()["quantity"] == 2 and resp.json()["amount_refunded"] == 20
    assert await usd(platform, seller["id"]) == 100_000 - 1_000
    assert await usd(platform, customer["id"]) == 1_000
    assert await available(platform, float_account(True)) == 0
    again = await call(client, "voucher-void", pw_live(seller), order_id=issued.json()["order_id"])
    assert again.status_code == 409 and again.json()["message"] == "order_id has no active vouchers to void."
    await verify_ledger(platform)


async def test_void_failures_leave_nothing(client, platform, parties):
    seller, customer = parties
    issued = await issue(client, pw_live(seller), quantity=2, amount=10)
    other = await issue(client, pw_live(seller), quantity=1, amount=10)
    order_id, codes = issued.json()["order_id"], codes_of(issued)
    await call(client, "voucher-redeem", pw_live(customer), voucher_code=codes[0])
    stranger = await vendor(platform, name="Yaw", email="yaw@example.com")
    before = await count_rows(platform)
    cases = [
        (pw_live(seller), {}, 400, "order_id is required."),
        (pw_live(seller), {"order_id": "NOSUCHORDR"}, 404, "order_id does not match any of your voucher orders."),
        (pw_live(stranger), {"order_id": order_id}, 404, "order_id does not match any of your voucher orders."),
        (pw_live(customer), {"order_id": order_id}, 403, None),
        (
            pw_live(seller),
            {"order_id": order_id, "voucher_codes": codes_of(other)[0]},
            400,
            "voucher_codes must all be codes of this order.",
        ),
        (
            pw_live(seller),
            {"order_id": order_id, "voucher_codes": "123"},
            400,
            "voucher_codes must be a 20-digit voucher code.",
        ),
        (
            pw_live(seller),
            {"order_id": order_id, "voucher_codes": f"{codes[1]},{codes[0]}"},
            409,
            f"voucher_codes (code ending {codes[0][-4:]}) has already been redeemed.",
        ),
    ]
    for key, values, status, message in cases:
        resp = await call(client, "voucher-void", key, **values)
        assert resp.status_code == status, (values, resp.text)
        if message:
            assert resp.json() == {"status": status, "message": message}
    assert await count_rows(platform) == before


async def test_expiry_returns_value_to_the_vendor_by_default(client, platform, parties, run_jobs):
    seller, customer = parties
    issued = await issue(client, pw_live(seller), quantity=3, amount=10)
    codes = codes_of(issued)
    await call(client, "voucher-redeem", pw_live(customer), voucher_code=codes[0])
    await run_jobs()  # the codes email; the expiry timer is not due
    clock.advance(timedelta(days=364))
    await run_jobs()
    assert await usd(platform, seller["id"]) == 100_000 - 3_000
    clock.advance(timedelta(days=1, seconds=1))
    await run_jobs()
    assert await usd(platform, seller["id"]) == 100_000 - 1_000
    assert await available(platform, float_account(True)) == 0
    lookup = (await call(client, "voucher-order", pw_live(seller), order_id=issued.json()["order_id"])).json()
    assert [v["voucher_status"] for v in lookup["vouchers"]] == ["redeemed", "expired", "expired"]
    assert all(isinstance(v["date_expired"], int) for v in lookup["vouchers"][1:])
    assert await event_types(platform) == ["voucher.issued", "voucher.redeemed", "voucher.expired"]
    await run_jobs()
    assert await usd(platform, seller["id"]) == 100_000 - 1_000  # the timer is idempotent
    await verify_ledger(platform)


async def test_expiry_can_forfeit_to_the_platform(client, platform, parties, run_jobs):
    platform.settings.vouchers_expiry_action = "forfeit"
    seller, _ = parties
    await issue(client, pw_live(seller), quantity=2, amount=10)
    clock.advance(timedelta(days=366))
    await run_jobs()
    assert await usd(platform, seller["id"]) == 100_000 - 2_000
    assert await available(platform, breakage_account(True)) == 2_000
    assert await available(platform, float_account(True)) == 0
    await verify_ledger(platform)


async def test_expired_and_voided_vouchers_cannot_be_voided_again(client, platform, parties, run_jobs):
    seller, _ = parties
    issued = await issue(client, pw_live(seller), quantity=1, amount=10)
    clock.advance(timedelta(days=366))
    resp = await call(client, "voucher-void", pw_live(seller), order_id=issued.json()["order_id"])
    assert resp.status_code == 409
    await run_jobs()
    assert await usd(platform, seller["id"]) == 100_000
