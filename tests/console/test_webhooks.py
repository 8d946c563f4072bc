"""The webhooks screen: endpoints with delivery counts, deliveries by status, and replay of one
or of every dead delivery, whose progress is polled until each new delivery has an outcome."""

from __future__ import annotations

from datetime import timedelta

from peerx.core.clock import clock
from peerx.core.events import emit
from peerx.core.webhooks import MAX_ATTEMPTS, RETRY_SCHEDULE
from peerx.ops import actions
from tests.console.conftest import browser_login, console_login, shoot
from tests.fixtures import factories as f


async def dead_delivery(platform, receiver, run_jobs) -> str:
    merchant = await f.merchant(platform)
    async with platform.db.transaction() as session:
        await actions.add_webhook(
            platform, session, account_id=merchant["id"], url=receiver.url, livemode=True, surface="peertupeer"
        )
        event = await emit(
            session, surface="peertupeer", type="trade.approved", livemode=True, body={"n": 1}, party_id=merchant["id"]
        )
    receiver.script = [500] * MAX_ATTEMPTS
    for wait in [timedelta(0), *RETRY_SCHEDULE]:
        clock.advance(wait)
        await run_jobs()
    return event.id


async def test_replay_every_dead_delivery_with_progress(client, platform, operators, receiver, run_jobs):
    event_id = await dead_delivery(platform, receiver, run_jobs)
    csrf = await console_login(client, operators["finance"])
    endpoints = await client.get("/console/webhooks")
    assert endpoints.status_code == 200 and receiver.url in endpoints.text
    dead = await client.get("/console/webhooks/deliveries", params={"status": "dead"})
    assert dead.status_code == 200 and event_id in dead.text and "Replay every dead delivery" in dead.text

    started = await client.post("/console/webhooks/replay-dead", data={"endpoint": "", "csrf_token": csrf})
    assert started.status_code == 303 and started.headers["location"].startswith("/console/webhooks/replay?ids=")
    page = await client.get(started.headers["location"])
    assert "0 of 1 replayed deliveries" in page.text and "hx-trigger" in page.text
    await run_jobs()
    status = await client.get(started.headers["location"].replace("/replay?", "/replay/status?"))
    assert "1 of 1 replayed deliveries" in status.text and "Replay finished" in status.text
    assert "hx-trigger" not in status.text
    assert receiver.received[-1].headers["webhook-id"] == event_id  # the same event id again

    again = await client.post("/console/webhooks/replay-dead", data={"endpoint": "", "csrf_token": csrf})
    assert again.status_code == 303 and again.headers["location"] == "/console/webhooks/deliveries?status=dead"


async def test_replay_one_delivery_and_roles(client, platform, operators, receiver, run_jobs):
    await dead_delivery(platform, receiver, run_jobs)
    csrf = await console_login(client, operators["viewer"])
    page = await client.get("/console/webhooks/deliveries")
    assert page.status_code == 200 and ">Replay<" not in page.text
    assert (await client.post("/console/webhooks/deliveries/1/replay", data={"csrf_token": csrf})).status_code == 403
    client.cookies.clear()
    await console_login(client, operators["reviewer"])
    assert (await client.get("/console/webhooks")).status_code == 403
    client.cookies.clear()
    csrf = await console_login(client, operators["admin"])
    resp = await client.post("/console/webhooks/deliveries/1/replay", data={"csrf_token": csrf})
    assert resp.status_code == 303
    await run_jobs()
    listed = await client.get("/console/webhooks/deliveries", params={"status": "succeeded"})
    assert "trade.approved" in listed.text


async def test_webhook_screens_in_the_browser(live_server, page, platform, operators, receiver, run_jobs):
    await dead_delivery(platform, receiver, run_jobs)
    await browser_login(page, live_server, operators["admin"])
    await page.goto(f"{live_server}/console/webhooks")
    await shoot(page, "webhooks")
    await page.goto(f"{live_server}/console/webhooks/deliveries")
    await shoot(page, "webhook-deliveries")


async def test_disable_enable_and_rotate_an_endpoint(client, platform, operators, receiver, run_jobs):
    from tests.fixtures.receiver import verify_standard

    merchant = await f.merchant(platform, name="Ama Traders")
    async with platform.db.transaction() as session:
        created = await actions.add_webhook(
            platform, session, account_id=merchant["id"], url=receiver.url, livemode=True, surface="peertupeer"
        )
    csrf = await console_login(client, operators["finance"])
    page = await client.get("/console/webhooks", params={"account": merchant["id"]})
    assert page.status_code == 200 and "Ama Traders" in page.text and "Download CSV" in page.text
    assert created["secret"] not in page.text

    disabled = await client.post(f"/console/webhooks/{created['id']}/disable", data={"csrf_token": csrf})
    assert disabled.status_code == 303
    async with platform.db.transaction() as session:
        await emit(
            session, surface="peertupeer", type="trade.approved", livemode=True, body={}, party_id=merchant["id"]
        )
    await run_jobs()
    assert receiver.received == []  # a disabled endpoint gets nothing
    assert ">Enable<" in (await client.get("/console/webhooks")).text
    assert (
        await client.post(f"/console/webhooks/{created['id']}/enable", data={"csrf_token": csrf})
    ).status_code == 303

    rotated = await client.post(
        f"/console/webhooks/{created['id']}/rotate-secret", data={"grace_hours": "1", "csrf_token": csrf}
    )
    assert rotated.status_code == 200
    secret = rotated.text.split('<code id="rotated-secret">')[1].split("</code>")[0]
    async with platform.db.transaction() as session:
        await emit(
            session, surface="peertupeer", type="trade.approved", livemode=True, body={}, party_id=merchant["id"]
        )
    await run_jobs()
    # Both secrets verify (verify raises otherwise; it answers the parsed body).
    assert (
        verify_standard(secret, receiver.received[-1])
        == verify_standard(created["secret"], receiver.received[-1])
        == {}
    )

    exported = await client.get("/console/webhooks/deliveries", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv") and exported.text.startswith("id,event_id,")
    client.cookies.clear()
    await console_login(client, operators["admin"])
    audit = await client.get("/console/audit", params={"q": f"endpoint:{created['id']}"})
    for action in ("webhook.endpoint_disabled", "webhook.endpoint_enabled", "webhook.secret_rotated"):
        assert action in audit.text
    assert secret not in audit.text
