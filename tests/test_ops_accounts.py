"""The account lifecycle over /ops/v1 (the operator's bearer token), checked on the products'
own surfaces: list and search accounts, roll a key with a grace period, suspend and reinstate."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from peerx.core.clock import clock
from peerx.ops.escrow import actions as escrow_ops
from tests.fixtures import factories as f
from tests.fixtures.factories import escrow as tp
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories import remittances as peex

OPS = "/ops/v1"
AUTH = {"Authorization": "Bearer ops-secret-token"}
PTP_TRADES = "/peertupeer/api/v1/trades.php"


async def ptp_get(client, key: str):  # type: ignore[no-untyped-def]
    return await client.get(PTP_TRADES, headers={"X-API-Key": key})


async def test_list_and_search_accounts(client, platform):
    ama = await f.merchant(platform, name="Ama Traders", email="ama@example.com")
    kofi = await f.merchant(platform, name="Kofi 100% Gifts", email="kofi@shop.example")
    shop = await tp.op(platform, escrow_ops.create_client, name="Shop App", redirect_uris=[tp.REDIRECT], livemode=False)

    every = await client.get(f"{OPS}/accounts", headers=AUTH)
    assert every.status_code == 200, every.text
    body = every.json()
    assert [a["id"] for a in body["items"]] == [ama["id"], kofi["id"], shop["account_id"]]
    assert body["total"] == 3 and body["page"] == 1 and body["pages"] == 1
    first = body["items"][0]
    assert first["name"] == "Ama Traders" and first["status"] == "active"
    assert first["products"] == ["peertupeer", "peerwallet", "peex", "trustap"]
    prefixes = {k["prefix"] for k in first["keys"]}
    assert ama["peertupeer"]["live_key"][:13] in prefixes
    assert ama["peertupeer"]["live_key"] not in every.text  # prefixes only, never a key

    # Per product: an escrow client's account is Trustap's; merchants are PeerTupeer's.
    trustap = (await client.get(f"{OPS}/accounts", params={"product": "trustap"}, headers=AUTH)).json()
    assert [a["id"] for a in trustap["items"]] == [ama["id"], kofi["id"], shop["account_id"]]
    merchants = (await client.get(f"{OPS}/accounts", params={"product": "peertupeer"}, headers=AUTH)).json()
    assert [a["id"] for a in merchants["items"]] == [ama["id"], kofi["id"]]

    for search, expected in (("ama@", [ama["id"]]), ("100%", [kofi["id"]]), (str(kofi["id"]), [kofi["id"]])):
        found = (await client.get(f"{OPS}/accounts", params={"search": search}, headers=AUTH)).json()
        assert [a["id"] for a in found["items"]] == expected, search
    assert (await client.get(f"{OPS}/accounts", params={"search": "%"}, headers=AUTH)).json()["total"] == 1

    paged = (await client.get(f"{OPS}/accounts", params={"per_page": 2, "page": 2}, headers=AUTH)).json()
    assert [a["id"] for a in paged["items"]] == [shop["account_id"]] and paged["pages"] == 2

    bad = await client.get(f"{OPS}/accounts", params={"product": "nope"}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "product"
    bad = await client.get(f"{OPS}/accounts", params={"per_page": 0}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "per_page"
    assert (await client.get(f"{OPS}/accounts")).status_code == 401


async def test_accounts_by_date_range_and_as_csv(client, platform):
    early = await f.merchant(platform, name="Early", email="early@example.com")
    clock.advance(timedelta(days=3))
    late = await f.merchant(platform, name='=HYPERLINK("http://x")', email="late@example.com")
    day = (clock.now()).date().isoformat()

    ranged = (await client.get(f"{OPS}/accounts", params={"from": day, "to": day}, headers=AUTH)).json()
    assert [a["id"] for a in ranged["items"]] == [late["id"]]
    before = await client.get(f"{OPS}/accounts", params={"to": (clock.now() - timedelta(days=1)).date()}, headers=AUTH)
    assert [a["id"] for a in before.json()["items"]] == [early["id"]]
    bad = await client.get(f"{OPS}/accounts", params={"from": "yesterday"}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "from"
    bad = await client.get(f"{OPS}/accounts", params={"from": day, "to": "2000-01-01"}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "to"

    exported = await client.get(f"{OPS}/accounts", params={"from": day, "format": "csv"}, headers=AUTH)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert f'filename="accounts-{day}.csv"' in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:4] == ["id", "name", "email", "status"]
    assert len(rows) == 2 and rows[1][0] == str(late["id"])
    assert rows[1][1] == '\'=HYPERLINK("http://x")'  # a formula is written as text
    by_accept = await client.get(f"{OPS}/accounts", headers={**AUTH, "Accept": "text/csv"})
    assert len(list(csv.reader(io.StringIO(by_accept.text)))) == 3
    bad = await client.get(f"{OPS}/accounts", params={"format": "xml"}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "format"


async def test_roll_a_key_with_a_grace_period(client, platform):
    account = await f.merchant(platform)
    old = account["peertupeer"]["live_key"]
    assert (await ptp_get(client, old)).status_code == 200

    rolled = await client.post(
        f"{OPS}/accounts/{account['id']}/keys/roll", json={"product": "peertupeer", "grace_hours": 24}, headers=AUTH
    )
    assert rolled.status_code == 200, rolled.text
    body = rolled.json()
    new = body["key"]
    assert new.startswith("ptp_live_") and new != old and body["livemode"] is True
    assert [k["prefix"] for k in body["retired"]] == [old[:13]] and body["retired"][0]["expires_at"]

    assert (await ptp_get(client, new)).status_code == 200
    clock.advance(timedelta(hours=23))
    assert (await ptp_get(client, old)).status_code == 200  # within the grace
    clock.advance(timedelta(hours=1, seconds=1))
    refused = await ptp_get(client, old)
    assert refused.status_code == 401
    assert refused.json() == {"success": False, "message": "Invalid API key or unauthorized access."}
    assert (await ptp_get(client, new)).status_code == 200
    # the test key was not touched
    assert (await ptp_get(client, account["peertupeer"]["test_key"])).status_code == 200

    # Peex, no grace: the old secret key is refused at once, in Peex's envelope.
    peex_old = account["peex"]["secret_key"]
    assert (await client.get(f"{peex.PEEX}/clients/me", headers=peex.auth(peex_old))).status_code == 200
    rolled = await client.post(
        f"{OPS}/accounts/{account['id']}/keys/roll", json={"product": "peex", "grace_hours": 0}, headers=AUTH
    )
    peex_new = rolled.json()["key"]
    assert peex_new.startswith("peex_live_")
    refused = await client.get(f"{peex.PEEX}/clients/me", headers=peex.auth(peex_old))
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
    assert (await client.get(f"{peex.PEEX}/clients/me", headers=peex.auth(peex_new))).status_code == 200

    listed = (await client.get(f"{OPS}/accounts/{account['id']}", headers=AUTH)).json()
    inactive = [k["prefix"] for k in listed["keys"] if not k["active"]]
    assert sorted(inactive) == sorted([old[:13], peex_old[:14]])

    for body, field in (
        ({"product": "peertupeer", "grace_hours": 721}, "grace_hours"),
        ({"product": "bitcoin"}, "product"),
    ):
        bad = await client.post(f"{OPS}/accounts/{account['id']}/keys/roll", json=body, headers=AUTH)
        assert bad.status_code == 400 and bad.json()["error"]["field"] == field
    missing = await client.post(f"{OPS}/accounts/999/keys/roll", json={"product": "peex"}, headers=AUTH)
    assert missing.status_code == 404


async def test_suspend_and_reinstate(client, platform):
    await cards.rate(platform)
    account = await f.merchant(platform)
    other = await f.merchant(platform, name="Other", email="other@example.com")
    key = account["peertupeer"]["live_key"]
    shop = await tp.op(platform, escrow_ops.create_client, name="Shop App", redirect_uris=[tp.REDIRECT], livemode=False)
    seller = await tp.person(platform, shop, "seller@example.com")
    assert (await client.get(f"{tp.TP}/me/transactions", headers=seller.h)).status_code == 200

    done = await client.post(f"{OPS}/accounts/{account['id']}/suspend", json={"reason": "KYC review"}, headers=AUTH)
    assert done.status_code == 200 and done.json()["status"] == "suspended"
    assert done.json()["suspended_reason"] == "KYC review"
    suspended = await cards.submit_trade(client, key)
    assert suspended.status_code == 403
    assert suspended.json() == {"success": False, "message": "This account is suspended: contact the operator."}
    wallet = await client.get(
        "/peerwallet/voucher-order",
        params={"order_id": "x"},
        headers={"api-private-key": account["peerwallet"]["api_private_key"]},
    )
    assert wallet.status_code == 403 and wallet.json()["status"] == 403
    partner = await client.get(f"{peex.PEEX}/clients/me", headers=peex.auth(account["peex"]["secret_key"]))
    assert partner.status_code == 401 and partner.json()["error"] == "account_suspended"
    assert (await ptp_get(client, other["peertupeer"]["live_key"])).status_code == 200  # only that account

    again = await client.post(f"{OPS}/accounts/{account['id']}/suspend", json={"reason": "x"}, headers=AUTH)
    assert again.status_code == 409
    blank = await client.post(f"{OPS}/accounts/{account['id']}/suspend", json={"reason": " "}, headers=AUTH)
    assert blank.status_code == 400 and blank.json()["error"]["field"] == "reason"

    # An escrow client's account: its users' tokens are refused in Trustap's envelope.
    await client.post(f"{OPS}/accounts/{shop['account_id']}/suspend", json={"reason": "fraud"}, headers=AUTH)
    refused = await client.get(f"{tp.TP}/me/transactions", headers=seller.h)
    assert refused.status_code == 403 and refused.json()["code"] == "account_suspended"

    back = await client.post(f"{OPS}/accounts/{account['id']}/reinstate", json={"reason": "cleared"}, headers=AUTH)
    assert back.status_code == 200 and back.json()["status"] == "active" and back.json()["suspended_at"] is None
    traded = await cards.submit_trade(client, key)
    assert traded.status_code == 200 and traded.json()["success"] is True
    again = await client.post(f"{OPS}/accounts/{account['id']}/reinstate", json={"reason": "x"}, headers=AUTH)
    assert again.status_code == 409
    suspended_only = (await client.get(f"{OPS}/accounts", params={"search": "Shop"}, headers=AUTH)).json()
    assert suspended_only["items"][0]["status"] == "suspended"


async def test_hostile_query_values_are_400s_naming_the_field(client, platform):
    await f.merchant(platform)
    for params, field in (
        ({"search": "a\x00b"}, "search"),
        ({"search": "x" * 321}, "search"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "9" * 41}, "to"),
        ({"page": "-1"}, "page"),
        ({"per_page": "201"}, "per_page"),
    ):
        resp = await client.get(f"{OPS}/accounts", params=params, headers=AUTH)
        assert resp.status_code == 400 and resp.json()["error"]["field"] == field, (params, resp.text)
    resp = await client.get(f"{OPS}/webhooks/deliveries", params={"event": "evt_\x00"}, headers=AUTH)
    assert resp.status_code == 400 and resp.json()["error"]["field"] == "event"
