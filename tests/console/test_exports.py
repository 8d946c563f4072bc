"""The console lists' date range and "Download CSV": the same rows as the page's filter, every
page of them, money as exact decimals, a formula written as text."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from peerx.core.clock import clock
from tests.console.conftest import console_login
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards


async def test_trades_by_date_and_as_csv(client, platform, operators):
    await cards.rate(platform)
    key = (await f.merchant(platform))["peertupeer"]["live_key"]
    old = (await cards.submit_trade(client, key, card_amount="10")).json()["data"]["reference"]
    clock.advance(timedelta(days=3))
    new = (await cards.submit_trade(client, key, card_amount="20.5", notes="+1-555")).json()["data"]["reference"]
    day = clock.now().date().isoformat()
    await console_login(client, operators["admin"])

    page = await client.get("/console/giftcards", params={"from": day})
    assert page.status_code == 200 and new in page.text and old not in page.text
    assert 'href="/console/giftcards?from=' in page.text and "format=csv" in page.text  # the Download CSV link
    exported = await client.get("/console/giftcards", params={"from": day, "format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert f'filename="trades-{day}.csv"' in exported.headers["content-disposition"]
    (row,) = list(csv.DictReader(io.StringIO(exported.text)))
    assert row["reference"] == new and row["card_amount"] == "20.5" and row["notes"] == "'+1-555"
    assert row["net_payout_ghs"] == "169.89"  # 20.50 x 8.5 = 174.25, less 2.5% (4.36)

    for path in ("/console/payouts", "/console/vouchers", "/console/remittances", "/console/escrow"):
        shown = await client.get(path, params={"from": day, "to": day})
        assert shown.status_code == 200 and "Download CSV" in shown.text, path
        assert (await client.get(path, params={"format": "csv"})).headers["content-type"].startswith("text/csv")
        bad = await client.get(path, params={"to": "tomorrow"})
        assert bad.status_code == 400 and "to must be an ISO date" in bad.text, path


async def test_ledger_and_audit_exports(client, platform, operators):
    merchant = await f.merchant(platform, name="Ama", email="ama@example.com")
    await f.fund(platform, merchant["id"], "12.30", livemode=True)
    csrf = await console_login(client, operators["admin"])
    suspended = await client.post(
        f"/console/accounts/{merchant['id']}/suspend", data={"reason": "=cmd|' /C calc'!A0", "csrf_token": csrf}
    )
    assert suspended.status_code == 303
    day = clock.now().date().isoformat()

    transfers = await client.get("/console/ledger/transfers", params={"from": day, "format": "csv"})
    (row,) = list(csv.DictReader(io.StringIO(transfers.text)))
    assert row["code"] == "ops.fund" and row["amount.amount"] == "12.30" and row["amount.currency"] == "GHS"
    none = await client.get("/console/ledger/transfers", params={"to": "2020-01-01", "format": "csv"})
    assert none.text == "\r\n"
    accounts = await client.get("/console/ledger", params={"format": "csv", "search": "party:"})
    assert len(list(csv.DictReader(io.StringIO(accounts.text)))) == 1

    audit = await client.get("/console/audit", params={"from": day, "format": "csv", "q": "account."})
    (entry,) = list(csv.DictReader(io.StringIO(audit.text)))
    assert entry["action"] == "account.suspended" and entry["operator"] == operators["admin"]["email"]
    assert '"reason":"=cmd' in entry["after"]  # the object as one JSON cell (not a formula: it starts with {)
    page = await client.get("/console/audit", params={"from": day})
    assert "Download CSV" in page.text and "account.suspended" in page.text


async def test_the_other_lists_download_csv(client, platform, operators):
    merchant = await f.merchant(platform, name="Ama", email="ama@example.com")
    await f.fund(platform, merchant["id"], "5", livemode=False)
    await console_login(client, operators["admin"])
    for path in ("/console/payouts/wallets", "/console/vouchers/list", "/console/bitcoin", "/console/bitcoin/offers"):
        page = await client.get(path)
        assert page.status_code == 200 and "Download CSV" in page.text, path
        exported = await client.get(path, params={"format": "csv"})
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv"), path
    wallets = await client.get("/console/payouts/wallets", params={"format": "csv", "mode": "test"})
    (row,) = list(csv.DictReader(io.StringIO(wallets.text)))
    assert "5.00" in row.values()


async def test_partners_and_complaints_download_csv(client, platform, operators):
    from tests.fixtures.factories import remittances as peex

    partner = await peex.create_partner(platform, email="partner@example.com")
    await peex.fund(platform, partner["id"], 25_000, livemode=True)
    await peex.set_partner(platform, partner["id"], mtn_fee="150")  # its Peex profile
    await console_login(client, operators["admin"])
    page = await client.get("/console/remittances/partners")
    assert page.status_code == 200 and "Download CSV" in page.text
    exported = await client.get("/console/remittances/partners", params={"format": "csv"})
    assert 'filename="remittance-partners.csv"' in exported.headers["content-disposition"]
    (row,) = list(csv.DictReader(io.StringIO(exported.text)))
    assert row["account_id"] == str(partner["id"]) and row["email"] == "partner@example.com"
    assert row["solde_live.amount"] == "25000" and row["solde_live.currency"] == "XAF"
    assert row["mtn_fee.amount"] == "150"

    complaints = await client.get("/console/escrow/complaints")
    assert complaints.status_code == 200 and "Download CSV" in complaints.text
    none = await client.get("/console/escrow/complaints", params={"format": "csv", "model": "p2p"})
    assert none.headers["content-type"].startswith("text/csv") and none.text == "\r\n"
