"""The dashboard: volumes per day plotted as inline SVG, platform balances, queues, failed jobs
and dead webhook deliveries, as a viewer sees them in the browser."""

from __future__ import annotations

from datetime import timedelta

from peerx.core.clock import clock
from peerx.core.jobs import enqueue
from peerx.core.webhooks import MAX_ATTEMPTS
from peerx.ops import actions
from peerx.ops.giftcards import actions as giftcard_ops
from tests.console.conftest import browser_login, console_login, shoot
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards


async def test_the_dashboard_shows_money_moved_queues_and_failures(
    client, platform, operators, run_jobs, live_server, page
):
    merchant = await f.merchant(platform)
    await cards.rate(platform)
    key = merchant["peertupeer"]["live_key"]
    async with platform.db.transaction() as session:
        # Deliveries to a closed port fail until they are dead.
        await actions.add_webhook(
            platform, session, account_id=merchant["id"], url="http://127.0.0.1:9/", livemode=True, surface="peertupeer"
        )
    reference = (await cards.submit_trade(client, key)).json()["data"]["reference"]
    async with platform.db.transaction() as session:
        await giftcard_ops.approve_trade(platform, session, reference=reference, card_amount=None)
        await enqueue(session, "console.no_such_job", {}, max_attempts=1)
    for _ in range(MAX_ATTEMPTS + 1):
        await run_jobs()
        clock.advance(timedelta(days=2))
    clock.reset()
    async with platform.db.transaction() as session:
        await enqueue(session, "console.waiting", {}, run_at=clock.now() + timedelta(hours=1))

    await browser_login(page, live_server, operators["viewer"])
    assert await page.inner_text("#failed-jobs") == "1"
    assert await page.inner_text("#webhook-dead") == "2"  # trade.submitted and trade.approved
    assert await page.inner_text("#jobs-waiting") == "1"
    bars = page.locator("figure[data-currency=GHS] svg rect")
    assert await bars.count() == 14
    today = await bars.nth(13).locator("title").text_content() or ""
    assert today.endswith("GHS 850.00")  # net 828.75 to the merchant + fee 21.25
    assert int(await bars.nth(13).get_attribute("height") or 0) > 0
    assert int(await bars.nth(0).get_attribute("height") or 0) == 0
    text = await page.inner_text("main")
    assert "platform/fees/GHS/live" in text and "GHS 21.25" in text
    assert "console.no_such_job" in text and "no handler for job kind" in text
    await shoot(page, "dashboard-activity")
    assert page.console_errors == []  # the inline SVG passes the Content-Security-Policy

    await page.select_option("select[name=mode]", "test")
    await page.click("text=Show")
    await page.wait_for_url("**mode=test**")
    assert "No money moved in the last 14 days." in await page.inner_text("main")


async def test_every_role_sees_the_dashboard_and_ranges_are_checked(client, operators):
    for role in ("viewer", "reviewer", "finance", "admin"):
        client.cookies.clear()
        await console_login(client, operators[role])
        assert (await client.get("/console/")).status_code == 200
    thirty = await client.get("/console/?days=30&mode=test")
    assert thirty.status_code == 200 and thirty.text.count('<option value="30" selected>') == 1
    odd = await client.get("/console/?days=5")  # not an offered range: the default
    assert '<option value="14" selected>' in odd.text
    garbled = await client.get("/console/?days=lots")
    assert garbled.status_code == 400 and "days input should be a valid integer" in garbled.text
