"""Access control as an operator meets it in the browser: a reviewer cannot reach finance pages,
a request without the CSRF token is refused, repeated failures lock the account, and the audit
log shows what was done."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx

from peerx.console import app as console_app
from peerx.console.auth import Guard
from tests.console.conftest import browser_login, console_login, next_code_window, shoot
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards

PTP = cards.PTP


def screens_closed_to(role: str) -> list[str]:
    """Every menu screen (part 2's included) whose guard refuses `role`."""
    return [
        screen.nav.path
        for screen in console_app.SCREENS
        if getattr(screen, "nav", None) is not None and not Guard(screen.nav.roles).allows(role)
    ]


async def test_a_reviewer_cannot_reach_finance_pages(client, platform, operators, live_server, page):
    await cards.rate(platform)
    closed = screens_closed_to("reviewer")
    assert "/audit" in closed
    await browser_login(page, live_server, operators["reviewer"])
    menu = await page.inner_text("header nav")
    assert "Gift cards" in menu and "Audit log" not in menu
    for path in closed:
        response = await page.goto(f"{live_server}/console{path}")
        assert response is not None and response.status == 403, path
        assert "Your role does not give access to this page." in await page.inner_text("main")
    await shoot(page, "forbidden")
    # The rates table is readable, but without a form; a hand-made edit is refused.
    await page.goto(f"{live_server}/console/rates")
    assert await page.locator("input[name=rate]").count() == 0
    token = await page.get_attribute("input[name=csrf_token]", "value")
    edit = await page.request.post(
        f"{live_server}/console/rates/1", form={"rate": "1", "fee_pct": "0", "csrf_token": token or ""}
    )
    assert edit.status == 403

    # httpx, same rule, every closed screen: 403 for the reviewer, 200 for admin.
    next_code_window()  # the reviewer's code was just used by the browser
    await console_login(client, operators["reviewer"])
    for path in closed:
        assert (await client.get(f"/console{path}")).status_code == 403, path
    client.cookies.clear()
    await console_login(client, operators["admin"])
    for path in closed:
        assert (await client.get(f"/console{path}")).status_code == 200, path


async def test_a_request_without_the_csrf_token_is_refused(platform, operators, live_server, page):
    rate = await cards.rate(platform)
    await browser_login(page, live_server, operators["finance"])
    await page.goto(f"{live_server}/console/rates")
    # Same browser, same session cookie, only the token missing (what a forged form would send).
    forged = await page.request.post(
        f"{live_server}/console/rates/{rate['id']}", form={"rate": "1.5", "fee_pct": "0", "active": "on"}
    )
    assert forged.status == 403 and "security token" in await forged.text()
    async with httpx.AsyncClient(base_url=live_server) as api:
        served = json.loads((await api.get(f"{PTP}/rates.php")).text, parse_float=Decimal)["data"]
    assert served[0]["rate_per_unit"] == Decimal("8.5")


async def test_repeated_failures_lock_the_account(operators, live_server, page):
    admin = operators["admin"]
    await page.goto(f"{live_server}/console/login")
    for _ in range(5):
        await page.fill("input[name=email]", admin["email"])
        await page.fill("input[name=password]", "wrong password")
        await page.click("button[type=submit]")
        await page.wait_for_selector(".flash.error")
    await page.fill("input[name=email]", admin["email"])
    await page.fill("input[name=password]", admin["password"])
    await page.click("button[type=submit]")
    assert "locked" in await page.inner_text(".flash.error")
    assert "/console/login" in page.url


async def test_the_audit_log_shows_the_actions(client, platform, operators, live_server, page):
    merchant = await f.merchant(platform)
    rate = await cards.rate(platform)
    reference = (await cards.submit_trade(client, merchant["peertupeer"]["live_key"], card_number="4444")).json()[
        "data"
    ]["reference"]
    token = await console_login(client, operators["admin"])
    await client.post(f"/console/giftcards/trades/{reference}/reveal", data={"csrf_token": token})
    await client.post(f"/console/giftcards/trades/{reference}/reject", data={"reason": "fake", "csrf_token": token})
    await client.post(
        f"/console/rates/{rate['id']}", data={"rate": "8.6", "fee_pct": "2.5", "active": "on", "csrf_token": token}
    )

    await browser_login(page, live_server, operators["viewer"])
    await page.click("nav >> text=Audit log")
    actions = await page.locator("td.action").all_inner_texts()
    assert actions == [
        "operator.login",
        "giftcards.rate_set",
        "giftcards.trade_rejected",
        "giftcards.card_number_revealed",
        "operator.login",
    ]
    text = await page.inner_text("main")
    assert "admin@ops.example" in text and f"trade:{reference}" in text and '"rate_per_unit": "8.6"' in text
    await shoot(page, "audit-log")
    await page.fill("input[name=q]", "rejected")
    await page.click("text=Search")
    await page.wait_for_url("**q=rejected**")
    assert await page.locator("td.action").all_inner_texts() == ["giftcards.trade_rejected"]
