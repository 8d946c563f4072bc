"""The vouchers screen: orders with status counts, statuses without any code, and finance voiding
an order's active vouchers (the Peerwallet API then reads them void and the vendor is refunded)."""

from __future__ import annotations

import httpx

from tests.console.conftest import browser_login, console_login, shoot
from tests.fixtures.factories.vouchers import call, codes_of, issue, pw_test, usd, vendor


async def issued_order(client, platform) -> tuple[dict, str, list[str]]:
    account = await vendor(platform)
    resp = await issue(client, pw_test(account), quantity="3", amount="12.50")
    assert resp.status_code == 200, resp.text
    return account, resp.json()["order_id"], codes_of(resp)


async def test_finance_voids_an_order_and_the_api_reads_it_void(client, platform, operators):
    account, order_id, codes = await issued_order(client, platform)
    before = await usd(platform, account["id"], livemode=False)
    csrf = await console_login(client, operators["finance"])
    orders = await client.get("/console/vouchers", params={"status": "active"})
    assert orders.status_code == 200 and order_id in orders.text and "USD 12.50" in orders.text
    assert "valid 365 days" in orders.text
    statuses = await client.get("/console/vouchers/list")
    page = await client.get(f"/console/vouchers/orders/{order_id}")
    for shown in (orders, statuses, page):
        assert not any(code in shown.text for code in codes)  # never a code, anywhere
    assert "Void 3 active vouchers" in page.text

    resp = await client.post(f"/console/vouchers/orders/{order_id}/void", data={"csrf_token": csrf})
    assert resp.status_code == 303
    checked = await call(client, "voucher-status", pw_test(account), voucher_code=codes[0])
    assert checked.status_code == 200 and checked.json()["voucher_status"] == "void"
    assert await usd(platform, account["id"], livemode=False) == before + 3 * 1250
    again = await client.get(f"/console/vouchers/orders/{order_id}")
    assert "3 void" in again.text and "Void 3 active" not in again.text


async def test_reviewer_cannot_open_vouchers_and_viewer_cannot_void(client, platform, operators):
    _account, order_id, _codes = await issued_order(client, platform)
    await console_login(client, operators["reviewer"])
    assert (await client.get("/console/vouchers")).status_code == 403
    client.cookies.clear()
    csrf = await console_login(client, operators["viewer"])
    assert "Void" not in (await client.get(f"/console/vouchers/orders/{order_id}")).text
    resp = await client.post(f"/console/vouchers/orders/{order_id}/void", data={"csrf_token": csrf})
    assert resp.status_code == 403


async def test_voucher_screens_in_the_browser(live_server, page, platform, operators):
    async with httpx.AsyncClient(base_url=live_server) as api:
        _account, order_id, _codes = await issued_order(api, platform)
    await browser_login(page, live_server, operators["admin"])
    await page.goto(f"{live_server}/console/vouchers")
    await page.wait_for_selector(f"text={order_id}")
    await shoot(page, "vouchers")
    await page.goto(f"{live_server}/console/vouchers/orders/{order_id}")
    await shoot(page, "voucher-order")
