"""The payouts screen: floats, withdrawals by status with finance settling a stuck one (seen in the
PeerTupeer API), wallet balances; the reviewer cannot open it."""

from __future__ import annotations

from decimal import Decimal

import httpx

from tests.console.conftest import browser_login, console_login, shoot
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories.remittances import set_float


async def pending_withdrawal(client, platform) -> tuple[str, str]:
    merchant = await f.merchant(platform)
    await f.fund(platform, merchant["id"], "800", livemode=False)
    key = merchant["peertupeer"]["test_key"]
    resp = await client.post(
        f"{cards.PTP}/withdrawals.php",
        headers={"X-API-Key": key},
        json={"amount": 500, "method": "mtn_momo", "account_name": "John Doe", "account_number": "0241234567"},
    )
    assert resp.status_code == 200, resp.text
    return key, resp.json()["data"]["reference"]


async def withdrawal_of(client, key: str, reference: str) -> dict:
    listed = (await client.get(f"{cards.PTP}/withdrawals.php", headers={"X-API-Key": key})).json()["data"]
    return next(w for w in listed if w["reference"] == reference)


async def test_finance_settles_a_withdrawal_and_the_merchant_sees_it(client, platform, operators):
    key, reference = await pending_withdrawal(client, platform)
    await set_float(platform, "mtn_momo", 250_000, livemode=False)
    csrf = await console_login(client, operators["finance"])
    page = await client.get("/console/payouts", params={"status": "pending"})
    assert page.status_code == 200 and reference in page.text and "GHS 500.00" in page.text
    assert "XAF 250,000" in page.text  # the float
    wallets = await client.get("/console/payouts/wallets", params={"currency": "GHS", "mode": "test"})
    assert wallets.status_code == 200 and "GHS 300.00" in wallets.text and "Ama Traders" in wallets.text

    resp = await client.post(
        f"/console/payouts/withdrawals/{reference}/settle",
        data={"outcome": "failed", "note": "Account closed", "csrf_token": csrf},
    )
    assert resp.status_code == 303
    seen = await withdrawal_of(client, key, reference)
    assert seen["status"] == "failed" and seen["failure_reason"] == "Account closed"
    data = (await client.get(f"{cards.PTP}/wallet.php", headers={"X-API-Key": key})).json()["data"]
    assert Decimal(str(data["available_balance"])) == Decimal(800)
    assert "Account closed" in (await client.get("/console/payouts")).text


async def test_reviewer_cannot_reach_payouts_and_viewer_cannot_settle(client, platform, operators):
    key, reference = await pending_withdrawal(client, platform)
    csrf = await console_login(client, operators["reviewer"])
    for path in ("/console/payouts", "/console/payouts/wallets"):
        assert (await client.get(path)).status_code == 403
    resp = await client.post(
        f"/console/payouts/withdrawals/{reference}/settle", data={"outcome": "paid", "csrf_token": csrf}
    )
    assert resp.status_code == 403
    client.cookies.clear()
    csrf = await console_login(client, operators["viewer"])
    page = await client.get("/console/payouts")
    assert page.status_code == 200 and reference in page.text and "Settle" not in page.text
    resp = await client.post(
        f"/console/payouts/withdrawals/{reference}/settle", data={"outcome": "paid", "csrf_token": csrf}
    )
    assert resp.status_code == 403
    assert (await withdrawal_of(client, key, reference))["status"] == "pending"


async def test_payout_screens_in_the_browser(live_server, page, platform, operators):
    async with httpx.AsyncClient(base_url=live_server) as api:
        await pending_withdrawal(api, platform)
    await set_float(platform, "mtn_momo", 250_000, livemode=False)
    await browser_login(page, live_server, operators["admin"])
    await page.goto(f"{live_server}/console/payouts")
    await page.wait_for_selector("text=Gift-card withdrawals")
    await shoot(page, "payouts")
    await page.goto(f"{live_server}/console/payouts/wallets")
    await page.wait_for_selector("text=Ama Traders")
    await shoot(page, "wallets")
