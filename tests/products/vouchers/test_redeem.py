"""Redemption and the status check by code: single use, mode-scoped, expired or void refused,
every failure names the field and moves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from peerx.core.clock import clock
from tests.fixtures.factories.vouchers import (
    call,
    codes_of,
    count_rows,
    event_types,
    issue,
    pw_live,
    pw_test,
    usd,
    vendor,
)
from tests.fixtures.ledger import verify_ledger


@pytest.fixture
async def parties(platform):  # type: ignore[no-untyped-def]
    seller = await vendor(platform)
    customer = await vendor(platform, name="Esi", email="esi@example.com", live=None, test=None, permitted=False)
    return seller, customer


async def test_codes_may_be_typed_with_spaces_or_dashes(client, platform, parties):
    seller, customer = parties
    code = codes_of(await issue(client, pw_live(seller), quantity=1, amount=10))[0]
    typed = "-".join(code[i : i + 4] for i in range(0, 20, 4))
    resp = await call(client, "voucher-redeem", pw_live(customer), voucher_code=typed)
    assert resp.status_code == 200 and await usd(platform, customer["id"]) == 1_000


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        (None, 400, "voucher_code is required."),
        ("1234", 400, "voucher_code must be a 20-digit voucher code."),
        ("1234567890123456789a", 400, "voucher_code must be a 20-digit voucher code."),
        ("123456789012345678901", 400, "voucher_code must be a 20-digit voucher code."),
        ("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠", 400, "voucher_code must be a 20-digit voucher code."),
        ("12345678901234567890", 404, "voucher_code does not match any voucher."),
    ],
)
async def test_bad_codes_are_refused_and_move_nothing(client, platform, parties, code, status, message):
    seller, customer = parties
    await issue(client, pw_live(seller), quantity=1, amount=10)
    before = await count_rows(platform)
    values = {"voucher_code": code} if code is not None else {}
    for path in ("voucher-redeem", "voucher-status"):
        resp = await call(client, path, pw_live(customer), **values)
        assert (resp.status_code, resp.json()) == (status, {"status": status, "message": message})
    assert await count_rows(platform) == before and await usd(platform, customer["id"]) == 0


async def test_test_codes_exist_only_for_test_keys(client, platform, parties):
    seller, customer = parties
    test_code = codes_of(await issue(client, pw_test(seller), quantity=1, amount=10))[0]
    live_code = codes_of(await issue(client, pw_live(seller), quantity=1, amount=10))[0]
    assert (await call(client, "voucher-redeem", pw_live(customer), voucher_code=test_code)).status_code == 404
    assert (await call(client, "voucher-redeem", pw_test(customer), voucher_code=live_code)).status_code == 404
    assert (await call(client, "voucher-redeem", pw_test(customer), voucher_code=test_code)).status_code == 200
    assert await usd(platform, customer["id"], livemode=False) == 1_000
    assert await usd(platform, customer["id"], livemode=True) == 0
    await verify_ledger(platform)


async def test_expired_vouchers_cannot_be_redeemed_even_before_the_timer_runs(client, platform, parties):
    seller, customer = parties
    code = codes_of(await issue(client, pw_live(seller), quantity=1, amount=10))[0]
    clock.advance(timedelta(days=365, seconds=1))
    status = await call(client, "voucher-status", pw_live(seller), voucher_code=code)
    assert status.json()["voucher_status"] == "expired"
    resp = await call(client, "voucher-redeem", pw_live(customer), voucher_code=code)
    assert (resp.status_code, resp.json()["message"]) == (409, "voucher_code has expired.")
    assert await usd(platform, customer["id"]) == 0


async def test_one_second_before_expiry_still_redeems(client, platform, parties):
    seller, customer = parties
    code = codes_of(await issue(client, pw_live(seller), quantity=1, amount=10))[0]
    clock.advance(timedelta(days=365, seconds=-1))
    assert (await call(client, "voucher-redeem", pw_live(customer), voucher_code=code)).status_code == 200


async def test_status_check_shows_the_voucher_masked(client, platform, parties):
    seller, customer = parties
    issued = await issue(client, pw_live(seller), quantity=2, amount="12.50")
    code = codes_of(issued)[0]
    mine = await call(client, "voucher-status", pw_live(seller), voucher_code=code)
    assert mine.status_code == 200
    body = mine.json()
    assert body == {
        "status": 200,
        "voucher_code": "*" * 16 + code[-4:],
        "amount": 12.5,
        "currency": "USD",
        "voucher_status": "active",
        "exp_date": issued.json()["exp_date"],
        "date_created": issued.json()["date_created"],
        "date_redeemed": None,
        "date_voided": None,
        "date_expired": None,
        "order_id": issued.json()["order_id"],
        "note": "Voucher is active",
    }
    assert code not in mine.text
    theirs = (await call(client, "voucher-status", pw_live(customer), voucher_code=code)).json()
    assert "order_id" not in theirs and theirs["voucher_status"] == "active"  # the order is the vendor's
    await call(client, "voucher-redeem", pw_live(customer), voucher_code=code)
    after = (await call(client, "voucher-status", pw_live(customer), voucher_code=code)).json()
    assert after["voucher_status"] == "redeemed" and isinstance(after["date_redeemed"], int)
    assert await event_types(platform) == ["voucher.issued", "voucher.redeemed"]


async def test_redemption_is_idempotent_with_a_key(client, platform, parties):
    seller, customer = parties
    code = codes_of(await issue(client, pw_live(seller), quantity=1, amount=10))[0]
    headers = {"api-private-key": pw_live(customer), "Idempotency-Key": "redeem-1"}
    first = await client.post("/peerwallet/voucher-redeem", data={"voucher_code": code}, headers=headers)
    second = await client.post("/peerwallet/voucher-redeem", data={"voucher_code": code}, headers=headers)
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await usd(platform, customer["id"]) == 1_000


async def test_code_calls_are_rate_limited_per_key(client, platform, parties):
    _, customer = parties
    platform.settings.peerwallet_code_rate_limit = "3/minute"
    codes = [(await call(client, "voucher-status", pw_live(customer), voucher_code="1" * 20)) for _ in range(4)]
    assert [r.status_code for r in codes] == [404, 404, 404, 429]
    assert codes[-1].json() == {"status": 429, "message": "Too many requests. Retry later."}
    assert int(codes[-1].headers["retry-after"]) >= 1
