"""/voucher-issue over HTTP as a Peerwallet client calls it: the document's field names and
success body, form and JSON, money to the cent, every limit and error, nothing left behind."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from peerx.core import ledger
from peerx.core.clock import clock
from peerx.products.vouchers.models import Voucher, VoucherOrder
from peerx.products.vouchers.service import float_account
from tests.fixtures.factories.vouchers import (
    PW,
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

DOCUMENTED_FIELDS = [
    "status",
    "purchase_status",
    "order_id",
    "currency",
    "quantity",
    "amount",
    "total_charged",
    "voucher_codes",
    "exp_date",
    "date_created",
    "receipt_url",
    "note",
]


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
async def test_issue_matches_the_documented_sample(client, platform, as_json):
    account = await vendor(platform)
    resp = await issue(client, pw_live(account), as_json=as_json, quantity=5, amount=2000)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert list(body) == DOCUMENTED_FIELDS  # same fields, same order as the sample
    assert body["status"] == 200 and body["purchase_status"] == "success"
    assert body["note"] == "Voucher purchase was successful"
    assert re.fullmatch(r"[A-Z0-9]{10}", body["order_id"])
    assert (body["currency"], body["quantity"], body["amount"], body["total_charged"]) == ("USD", 5, 2000, 10000)
    assert '"amount":2000,"total_charged":10000,' in resp.text  # integers, as the sample prints them
    codes = codes_of(resp)
    assert len(codes) == 5 and len(set(codes)) == 5
    assert all(re.fullmatch(r"\d{20}", code) for code in codes)
    assert body["voucher_codes"] == ", ".join(codes)
    assert isinstance(body["date_created"], int) and body["exp_date"] - body["date_created"] == 365 * 24 * 3600
    assert abs(body["date_created"] - clock.now().timestamp()) < 5
    assert re.fullmatch(
        r"http://127\.0\.0\.1:8000/peerwallet/receipt\?token=" + body["order_id"] + r"[A-Za-z0-9_-]{43}",
        body["receipt_url"],
    )


async def test_issue_moves_face_value_to_the_float_in_one_transaction(client, platform):
    account = await vendor(platform, live="150.00")
    resp = await issue(client, pw_live(account), quantity=3, amount="25.50")
    assert resp.status_code == 200
    body = resp.json()
    assert body["amount"] == Decimal("25.50") and body["total_charged"] == Decimal("76.50")
    assert '"amount":25.50,"total_charged":76.50,' in resp.text
    assert await usd(platform, account["id"]) == 15_000 - 7_650
    async with platform.db.transaction() as session:
        float_acc = await ledger.find_account(session, float_account(True))
        assert float_acc is not None and float_acc.available == 7_650
        order = await session.scalar(select(VoucherOrder))
        assert order is not None and (order.amount, order.face_total, order.fee, order.total_charged) == (
            2_550,
            7_650,
            0,
            7_650,
        )
        vouchers = list(await session.scalars(select(Voucher).order_by(Voucher.id)))
    assert [v.status for v in vouchers] == ["active"] * 3 and {v.amount for v in vouchers} == {2_550}
    assert [v.last4 for v in vouchers] == [code[-4:] for code in codes_of(resp)]
    assert await event_types(platform) == ["voucher.issued"]
    await verify_ledger(platform)


async def test_operator_fee_is_added_to_total_charged(client, platform):
    platform.settings.vouchers_fee_pct = Decimal("1.5")
    platform.settings.vouchers_fee_fixed = Decimal("0.25")
    account = await vendor(platform, live="1000.00")
    resp = await issue(client, pw_live(account), quantity=4, amount="33.33")
    # face 133.32; 1.5% = 1.9998 -> 2.00 (half up, once); fixed 4 x 0.25 = 1.00; total 136.32
    assert '"total_charged":136.32,' in resp.text
    assert await usd(platform, account["id"]) == 100_000 - 13_632
    async with platform.db.transaction() as session:
        fees = await ledger.find_account(session, ledger.platform_account("fees", "USD", True))
        assert fees is not None and fees.credits_posted == 300
    await verify_ledger(platform)


async def test_limits_at_their_edges_are_accepted(client, platform):
    account = await vendor(platform, live="600000.00")
    low = await issue(client, pw_live(account), quantity=1, amount=1)
    assert low.status_code == 200 and len(codes_of(low)) == 1
    high = await issue(client, pw_live(account), quantity=100, amount=5000)
    assert high.status_code == 200 and high.json()["total_charged"] == 500_000
    assert len(set(codes_of(high))) == 100
    assert await usd(platform, account["id"]) == 60_000_000 - 100 - 50_000_000


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quantity": None}, "quantity is required."),
        ({"quantity": ""}, "quantity is required."),
        ({"quantity": "0"}, "quantity must be a whole number from 1 to 100."),
        ({"quantity": "101"}, "quantity must be a whole number from 1 to 100."),
        ({"quantity": "-1"}, "quantity must be a whole number from 1 to 100."),
        ({"quantity": "1.5"}, "quantity must be a whole number from 1 to 100."),
        ({"quantity": "five"}, "quantity must be a whole number from 1 to 100."),
        ({"amount": None}, "amount is required."),
        ({"amount": "0"}, "amount must be from 1 to 5000 USD."),
        ({"amount": "0.99"}, "amount must be from 1 to 5000 USD."),
        ({"amount": "5000.01"}, "amount must be from 1 to 5000 USD."),
        ({"amount": "-20"}, "amount must be from 1 to 5000 USD."),
        ({"amount": "20.001"}, "amount must have at most 2 decimal places."),
        ({"amount": "twenty"}, "amount must be a number."),
        ({"amount": "NaN"}, "amount must be a number."),
        ({"amount": "Infinity"}, "amount must be a number."),
        ({"currency": None}, "currency is required."),
        ({"currency": "EUR"}, "currency must be USD, the only voucher currency for now."),
        ({"currency": "US Dollars"}, "currency must be USD, the only voucher currency for now."),
    ],
)
async def test_bad_fields_are_named_and_leave_nothing(client, platform, fields, message):
    account = await vendor(platform)
    before = await count_rows(platform)
    resp = await issue(client, pw_live(account), **fields)
    assert resp.status_code == 400, resp.text
    assert resp.json() == {"status": 400, "message": message}
    assert await count_rows(platform) == before
    assert await usd(platform, account["id"]) == 1_000_000


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"quantity": True, "amount": 20, "currency": "USD"}, "quantity must be a whole number from 1 to 100."),
        ({"quantity": 2, "amount": False, "currency": "USD"}, "amount must be a number."),
        ({"quantity": 2, "amount": [20], "currency": "USD"}, "amount must be a number."),
        ({"quantity": 2, "amount": 20, "currency": 840}, "currency must be USD, the only voucher currency for now."),
    ],
)
async def test_bad_json_types_are_refused(client, platform, body, message):
    account = await vendor(platform)
    before = await count_rows(platform)
    resp = await client.post(f"{PW}/voucher-issue", json=body, headers={"api-private-key": pw_live(account)})
    assert resp.status_code == 400 and resp.json() == {"status": 400, "message": message}
    assert await count_rows(platform) == before


async def test_json_numbers_and_lowercase_currency_are_accepted(client, platform):
    account = await vendor(platform)
    resp = await client.post(
        f"{PW}/voucher-issue",
        json={"quantity": 2, "amount": 12.5, "currency": "usd"},
        headers={"api-private-key": pw_live(account)},
    )
    assert resp.status_code == 200 and resp.json()["total_charged"] == 25


async def test_body_that_is_not_an_object_is_refused(client, platform):
    account = await vendor(platform)
    resp = await client.post(
        f"{PW}/voucher-issue",
        content=b"[1, 2]",
        headers={"api-private-key": pw_live(account), "content-type": "application/json"},
    )
    assert resp.status_code == 400 and resp.json() == {"status": 400, "message": "body must be a JSON object."}


async def test_insufficient_balance_charges_nothing_and_creates_no_code(client, platform):
    account = await vendor(platform, live="99.99")
    before = await count_rows(platform)
    resp = await issue(client, pw_live(account), quantity=5, amount=20)
    assert resp.status_code == 402
    assert resp.json() == {
        "status": 402,
        "message": "Insufficient balance: total_charged 100 USD exceeds your available balance.",
    }
    assert await count_rows(platform) == before
    assert await usd(platform, account["id"]) == 9_999
    assert (await issue(client, pw_live(account), quantity=1, amount="99.99")).status_code == 200
    assert await usd(platform, account["id"]) == 0


async def test_fee_that_does_not_fit_fails_the_whole_order(client, platform):
    platform.settings.vouchers_fee_fixed = Decimal("1")
    account = await vendor(platform, live="100.00")
    before = await count_rows(platform)
    resp = await issue(client, pw_live(account), quantity=5, amount=20)
    assert resp.status_code == 402 and "total_charged 105 USD" in resp.json()["message"]
    assert await count_rows(platform) == before and await usd(platform, account["id"]) == 10_000


async def test_transfer_funds_permission_is_required(client, platform):
    account = await vendor(platform, permitted=False)
    before = await count_rows(platform)
    resp = await issue(client, pw_live(account))
    assert resp.status_code == 403
    assert resp.json() == {
        "status": 403,
        "message": 'This API call requires the "transfer funds" permission, which must be enabled in your '
        "API settings.",
    }
    assert await count_rows(platform) == before and await usd(platform, account["id"]) == 1_000_000


@pytest.mark.parametrize("key", [None, "", "pw_live_wrong", "ptp_live_whatever", "pw_test_" + "x" * 32])
async def test_unknown_keys_are_refused(client, platform, key):
    await vendor(platform)
    before = await count_rows(platform)
    headers = {"api-private-key": key} if key is not None else {}
    resp = await client.post(
        f"{PW}/voucher-issue", data={"quantity": 1, "amount": 5, "currency": "USD"}, headers=headers
    )
    assert resp.status_code == 401
    assert resp.json() == {"status": 401, "message": "api-private-key is missing or invalid."}
    assert await count_rows(platform) == before


async def test_other_products_keys_do_not_work_here(client, platform):
    account = await vendor(platform)
    resp = await issue(client, account["peertupeer"]["live_key"])
    assert resp.status_code == 401


async def test_test_keys_issue_test_vouchers_from_the_test_balance(client, platform):
    account = await vendor(platform, live="5.00", test="300.00")
    resp = await issue(client, pw_test(account), quantity=2, amount=100)
    assert resp.status_code == 200
    assert await usd(platform, account["id"], livemode=False) == 10_000
    assert await usd(platform, account["id"], livemode=True) == 500  # live money untouched
    async with platform.db.transaction() as session:
        assert set(await session.scalars(select(Voucher.livemode))) == {False}
        assert await ledger.find_account(session, float_account(True)) is None
    # and a live key cannot spend test money
    assert (await issue(client, pw_live(account), quantity=1, amount=100)).status_code == 402


async def test_idempotent_retry_charges_once_and_never_replays_codes(client, platform):
    account = await vendor(platform)
    headers = {"Idempotency-Key": "order-7"}
    first = await issue(client, pw_live(account), headers=headers)
    again = await issue(client, pw_live(account), headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    one, two = first.json(), again.json()
    assert {k: v for k, v in one.items() if k not in ("voucher_codes", "note")} == {
        k: v for k, v in two.items() if k not in ("voucher_codes", "note")
    }
    # The replay shows the codes masked: the database holds no copy of a code to replay.
    assert two["voucher_codes"] == ", ".join("*" * 16 + code[-4:] for code in codes_of(first))
    assert "masked" in two["note"] and "email" in two["note"]
    assert await usd(platform, account["id"]) == 1_000_000 - 10_000
    other = await issue(client, pw_live(account), headers=headers, quantity=6)
    assert other.status_code == 422 and other.json()["status"] == 422
    assert await usd(platform, account["id"]) == 1_000_000 - 10_000


async def test_unknown_path_uses_the_envelope(client):
    resp = await client.post(f"{PW}/voucher-nothing")
    assert resp.status_code == 404 and resp.json() == {"status": 404, "message": "Endpoint not found."}
