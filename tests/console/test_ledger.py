"""The ledger screen: accounts, transfers, and `verify` run in the background with its progress
polled (htmx) until the answer is shown."""

from __future__ import annotations

import asyncio

import httpx

from tests.console.conftest import browser_login, console_login, shoot
from tests.fixtures import factories as f


async def poll_verify(client: httpx.AsyncClient, location: str) -> str:
    for _ in range(200):
        fragment = await client.get(f"{location}/status")
        assert fragment.status_code == 200
        if "hx-trigger" not in fragment.text:
            return fragment.text
        await asyncio.sleep(0.05)
    raise AssertionError("verify never finished")


async def test_accounts_transfers_and_verify(client, platform, operators):
    merchant = await f.merchant(platform)
    await f.fund(platform, merchant["id"], "12.34", "GHS", livemode=True)
    csrf = await console_login(client, operators["viewer"])
    accounts = await client.get("/console/ledger", params={"search": f"party:{merchant['id']}/"})
    assert accounts.status_code == 200 and f"party:{merchant['id']}/wallet/GHS/live" in accounts.text
    assert "GHS 12.34" in accounts.text
    transfers = await client.get("/console/ledger/transfers", params={"code": "ops.fund"})
    assert transfers.status_code == 200 and "platform/funding/GHS/live" in transfers.text
    bad = await client.get("/console/ledger/transfers", params={"kind": "sideways"})
    assert bad.status_code == 400 and "kind" in bad.text

    started = await client.post("/console/ledger/verify", data={"csrf_token": csrf})
    assert started.status_code == 303 and started.headers["location"].startswith("/console/ledger/verify/")
    page = await client.get(started.headers["location"])
    assert page.status_code == 200
    result = await poll_verify(client, started.headers["location"])
    assert 'data-ok="true"' in result and "2 accounts and 1 transfers agree" in result


async def test_reviewer_cannot_open_the_ledger(client, operators):
    csrf = await console_login(client, operators["reviewer"])
    assert (await client.get("/console/ledger")).status_code == 403
    assert (await client.post("/console/ledger/verify", data={"csrf_token": csrf})).status_code == 403


async def test_verify_progress_in_the_browser(live_server, page, platform, operators):
    merchant = await f.merchant(platform)
    await f.fund(platform, merchant["id"], "5", "GHS", livemode=False)
    await browser_login(page, live_server, operators["finance"])
    await page.goto(f"{live_server}/console/ledger")
    await shoot(page, "ledger")
    await page.click("button:has-text('Run ledger verify')")
    await page.wait_for_selector("#verify-status[data-ok=true]")  # htmx replaced the progress
    await shoot(page, "ledger-verify")
    await page.goto(f"{live_server}/console/ledger/transfers")
    await shoot(page, "ledger-transfers")
