"""The operator read views (ops.<product>.views, ops.views): state is made over HTTP the way clients make it,
then each view is read in its own unit of work and checked for filters, pages and exact money."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from peerx.core.clock import clock
from peerx.core.errors import InvalidField
from peerx.core.events import emit
from peerx.core.webhooks import MAX_ATTEMPTS, RETRY_SCHEDULE
from peerx.ops import actions
from peerx.ops.escrow import actions as escrow_ops
from peerx.ops.escrow import views as views_escrow
from peerx.ops.remittances import views as views_remittances
from peerx.ops.views import ledger as views_ledger
from peerx.ops.views import payouts as views_payouts
from peerx.ops.views import webhooks as views_webhooks
from peerx.ops.views.common import PageRequest, livemode_of, optional_id, page_request
from peerx.ops.vouchers import views as views_vouchers
from peerx.platform import Platform
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories.escrow import REDIRECT, delivered_tx, op, person, post
from tests.fixtures.factories.remittances import create_partner, pay, set_float
from tests.fixtures.factories.remittances import fund as fund_xaf
from tests.fixtures.factories.vouchers import issue, pw_test, vendor

View = Callable[..., Awaitable[Any]]


async def read(platform: Platform, view: View, **kwargs: Any) -> Any:
    async with platform.db.transaction() as session:
        return await view(platform, session, **kwargs)


def amount(value: dict[str, Any]) -> tuple[Decimal, str]:
    return value["amount"], value["currency"]


async def test_wallets_withdrawals_and_floats(client, platform, run_jobs):
    merchant = await f.merchant(platform)
    await f.fund(platform, merchant["id"], "250.50", "GHS", livemode=False)
    key = merchant["peertupeer"]["test_key"]
    sent = await client.post(
        f"{cards.PTP}/withdrawals.php",
        headers={"X-API-Key": key},
        json={"amount": 100, "method": "mtn_momo", "account_name": "Ama", "account_number": "0241234567"},
    )
    assert sent.status_code == 200, sent.text
    await set_float(platform, "mtn_momo", 900_000, livemode=False)

    wallets = await read(platform, views_payouts.wallet_balances, currency="ghs", livemode=False)
    assert wallets["total"] == 1
    row = wallets["items"][0]
    assert row["party_name"] == "Ama Traders" and row["party_id"] == merchant["id"]
    assert amount(row["available"]) == (Decimal("150.50"), "GHS") and amount(row["held"]) == (Decimal("100.00"), "GHS")
    assert (await read(platform, views_payouts.wallet_balances, livemode=True))["total"] == 0

    pending = await read(platform, views_payouts.withdrawals, status="pending")
    assert pending["total"] == 1 and pending["counts"]["pending"] == 1
    assert amount(pending["items"][0]["money"]) == (Decimal("100.00"), "GHS") and pending["items"][0]["settleable"]
    assert (await read(platform, views_payouts.withdrawals, status="failed"))["items"] == []
    with pytest.raises(InvalidField) as bad:
        await read(platform, views_payouts.withdrawals, status="lost")
    assert bad.value.field == "status"

    floats = await read(platform, views_payouts.rail_floats)
    assert [(r["rail"], r["livemode"], amount(r["available"])) for r in floats] == [
        ("mtn_momo", False, (Decimal(900_000), "XAF"))
    ]


async def test_voucher_orders_and_statuses_never_show_a_code(client, platform):
    account = await vendor(platform)
    issued = await issue(client, pw_test(account), quantity="3", amount="12.50")
    assert issued.status_code == 200, issued.text
    codes = [c.strip() for c in issued.json()["voucher_codes"].split(",")]
    order_id = issued.json()["order_id"]
    redeemer = await vendor(platform, name="Yaw", email="yaw@example.com")
    redeemed = await client.post(
        "/peerwallet/voucher-redeem", data={"voucher_code": codes[0]}, headers={"api-private-key": pw_test(redeemer)}
    )
    assert redeemed.status_code == 200, redeemed.text

    orders = await read(platform, views_vouchers.orders, livemode=False)
    assert orders["total"] == 1
    row = orders["items"][0]
    assert row["order_id"] == order_id and amount(row["face_value"]) == (Decimal("12.50"), "USD")
    assert row["voucher_status_counts"] == {"active": 2, "redeemed": 1, "expired": 0, "void": 0}
    assert (await read(platform, views_vouchers.orders, status="void"))["total"] == 0

    listed = await read(platform, views_vouchers.voucher_list, status="active", page=PageRequest(1, 1))
    assert listed["total"] == 2 and listed["pages"] == 2 and len(listed["items"]) == 1
    text = repr(await read(platform, views_vouchers.voucher_list))
    assert not any(code in text for code in codes)
    assert all(v["voucher_code"].startswith("*") for v in listed["items"])
    terms = views_vouchers.expiry_settings(platform)
    assert terms["validity_days"] == 365 and terms["expiry_action"] == "refund"


async def test_remittance_partners_and_transactions(client, platform):
    partner = await create_partner(platform)
    await fund_xaf(platform, partner["id"], 5000, livemode=False)
    key = partner["peex"]["test_secret_key"]
    assert (await pay(client, key, amount=2000, track_id="T-1")).status_code == 200
    assert (await pay(client, key, amount=9000, track_id="T-2")).status_code == 200  # solde too low

    partners = await read(platform, views_remittances.partner_list)
    row = partners["items"][0]
    assert row["account_id"] == partner["id"] and row["is_activated"]
    assert row["solde_test"]["currency"] == "XAF" and row["solde_live"]["amount"] == 0

    waiting = await read(platform, views_remittances.transactions, status="balance_pending")
    assert [t["track_id"] for t in waiting["items"]] == ["T-2"]
    assert waiting["items"][0]["cancelable"] and amount(waiting["items"][0]["sent"]) == (Decimal(9000), "XAF")
    assert waiting["counts"]["balance_pending"] == 1
    found = await read(platform, views_remittances.transactions, search="T-1")
    assert found["total"] == 1 and found["items"][0]["track_id"] == "T-1"
    assert (await read(platform, views_remittances.transactions, livemode=True))["total"] == 0


async def test_escrow_complaints_show_both_sides(client, platform):
    app_client = await op(platform, escrow_ops.create_client, name="Shop", redirect_uris=[REDIRECT], livemode=False)
    seller = await person(platform, app_client, "seller@example.com")
    buyer = await person(platform, app_client, "buyer@example.com")
    tx = await delivered_tx(client, seller, buyer, price=2599)
    said = {"complaint_description": "The box was empty"}
    assert (await post(client, buyer, tx["id"], "complain_with_description", said)).status_code == 200

    listed = await read(platform, views_escrow.transactions, status="complained")
    assert listed["total"] == 1 and listed["counts"]["complained"] == 1
    complaints = await read(platform, views_escrow.complaints)
    row = complaints["items"][0]
    assert row["buyer"] == "buyer@example.com" and row["seller"] == "seller@example.com"
    assert row["buyer_statement"] == "The box was empty"
    assert row["seller_record"]["tracking_carrier"] == "ups" and row["seller_record"]["delivered"] is not None
    assert amount(row["price"]) == (Decimal("25.99"), "USD") and row["decidable"]
    assert (await read(platform, views_escrow.complaints, model="p2p"))["total"] == 0
    with pytest.raises(InvalidField):
        await read(platform, views_escrow.transactions, model="barter")


async def test_ledger_accounts_transfers_and_webhook_replay(client, platform, receiver, run_jobs):
    merchant = await f.merchant(platform)
    await f.fund(platform, merchant["id"], "10.00", "GHS", livemode=True)
    accounts = await read(platform, views_ledger.accounts, search=f"party:{merchant['id']}/")
    assert [a["key"] for a in accounts["items"]] == [f"party:{merchant['id']}/wallet/GHS/live"]
    assert amount(accounts["items"][0]["credits_posted"]) == (Decimal("10.00"), "GHS")
    moved = await read(platform, views_ledger.transfers, account_id=accounts["items"][0]["id"], code="ops.")
    assert moved["total"] == 1 and moved["items"][0]["credit_account"]["key"].startswith("party:")

    async with platform.db.transaction() as session:
        await actions.add_webhook(
            platform, session, account_id=merchant["id"], url=receiver.url, livemode=True, surface="peertupeer"
        )
        await emit(
            session, surface="peertupeer", type="trade.approved", livemode=True, body={"n": 1}, party_id=merchant["id"]
        )
    receiver.script = [500] * MAX_ATTEMPTS  # the endpoint refuses every attempt: the delivery dies
    for wait in [timedelta(0), *RETRY_SCHEDULE]:
        clock.advance(wait)
        await run_jobs()
    dead = await read(platform, views_webhooks.deliveries, status="dead")
    assert dead["total"] == 1 and dead["items"][0]["event_type"] == "trade.approved"
    endpoints = await read(platform, views_webhooks.endpoints)
    assert endpoints["items"][0]["deliveries"]["dead"] == dead["total"]

    replay = await read(platform, views_webhooks.replay_dead)
    assert len(replay["deliveries"]) == dead["total"]
    assert (await read(platform, views_webhooks.replay_dead))["deliveries"] == []  # already replayed
    await run_jobs()
    done = await read(platform, views_webhooks.progress, delivery_ids=replay["deliveries"])
    assert done["finished"] and done["counts"]["succeeded"] == dead["total"]


def test_page_and_filter_inputs_are_checked():
    assert page_request("2", "10") == PageRequest(2, 10)
    assert page_request(None, None) == PageRequest(1, 25)
    for page, per_page, field in (("0", None, "page"), ("x", None, "page"), ("1", "500", "per_page")):
        with pytest.raises(InvalidField) as bad:
            page_request(page, per_page)
        assert bad.value.field == field
    assert livemode_of("live") is True and livemode_of("test") is False and livemode_of("") is None
    with pytest.raises(InvalidField):
        livemode_of("both")
    assert optional_id("account", " ") is None and optional_id("account", "12") == 12
    with pytest.raises(InvalidField):
        optional_id("account", "12a")
