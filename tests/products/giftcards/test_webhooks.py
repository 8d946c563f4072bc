"""Webhooks as a receiver sees them: rate.updated exactly as documented, lifecycle events to the
merchant's endpoint, each verified the document's way and the Standard Webhooks way."""

from __future__ import annotations

import re
from decimal import Decimal

from peerx.ops import actions
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.receiver import verify_peertupeer, verify_standard

PTP = cards.PTP


async def subscribe(client, key, url):
    return await client.post(f"{PTP}/rate-updates.php", json={"url": url}, headers={"X-API-Key": key})


async def test_rate_updated_reaches_every_subscription_as_documented(
    client, platform, merchant, live_key, receiver, run_jobs
):
    other = await f.merchant(platform, name="Other", email="o@example.com")
    first = (await subscribe(client, live_key, receiver.url)).json()
    assert first["success"] is True and first["message"] == "Rate update subscription created."
    assert set(first["data"]) == {"webhook_id", "url", "event", "secret"}
    assert first["data"]["event"] == "rate.updated" and first["data"]["url"] == receiver.url
    second = (await subscribe(client, other["peertupeer"]["live_key"], receiver.url + "?m=2")).json()
    secrets = {"/hook": first["data"]["secret"], "/hook?m=2": second["data"]["secret"]}

    await cards.rate(platform, rate_per_unit="8.75", fee_pct="2.5")
    await run_jobs()
    received = receiver.events("rate.updated")
    assert sorted(r.path for r in received) == ["/hook", "/hook?m=2"]
    for delivery in received:
        assert verify_peertupeer(secrets[delivery.path], delivery)
        verify_standard(secrets[delivery.path], delivery)
        payload = delivery.json()
        assert set(payload) == {"event", "timestamp", "data"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", payload["timestamp"])
        assert payload["data"]["card_type_id"] == 1 and payload["data"]["card_name"] == "Amazon"
        assert payload["data"]["rate_per_unit"] == Decimal("8.75") and payload["data"]["platform_fee_pct"] == Decimal(
            "2.5"
        )
        assert b'"rate_per_unit":8.75,"platform_fee_pct":2.5,' in delivery.body
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", payload["data"]["updated_at"])


async def test_subscriptions_list_and_delete(client, platform, merchant, live_key, test_key, receiver, run_jobs):
    created = (await subscribe(client, live_key, receiver.url)).json()["data"]
    listed = (await client.get(f"{PTP}/rate-updates.php", headers={"X-API-Key": live_key})).json()["data"]
    assert [(s["webhook_id"], s["url"], s["event"]) for s in listed] == [
        (created["webhook_id"], receiver.url, "rate.updated")
    ]
    assert "secret" not in listed[0]
    # another mode (or merchant) cannot see or delete it
    assert (await client.get(f"{PTP}/rate-updates.php", headers={"X-API-Key": test_key})).json()["data"] == []
    gone = await client.delete(
        f"{PTP}/rate-updates.php", params={"id": created["webhook_id"]}, headers={"X-API-Key": test_key}
    )
    assert gone.status_code == 404
    deleted = await client.delete(
        f"{PTP}/rate-updates.php", params={"id": created["webhook_id"]}, headers={"X-API-Key": live_key}
    )
    assert deleted.json() == {"success": True, "message": "Rate update subscription deleted."}
    await cards.rate(platform, rate_per_unit="9")
    await run_jobs()
    assert receiver.received == []
    bad = await client.delete(f"{PTP}/rate-updates.php", headers={"X-API-Key": live_key})
    assert bad.status_code == 400 and bad.json()["message"].startswith("id")


async def test_subscription_needs_a_valid_url(client, live_key):
    for payload in ({}, {"url": ""}, {"url": "ftp://example.com/x"}, {"url": "not a url"}):
        resp = await client.post(f"{PTP}/rate-updates.php", json=payload, headers={"X-API-Key": live_key})
        assert resp.status_code == 400 and resp.json()["message"].startswith("url"), payload


async def test_merchant_endpoint_gets_trade_and_withdrawal_events_but_not_rates(
    client,
    platform,
    merchant,
    test_key,
    receiver,
    run_jobs,
):
    async with platform.db.transaction() as session:
        endpoint = await actions.add_webhook(
            platform, session, account_id=merchant["id"], url=receiver.url, livemode=False, surface="peertupeer"
        )
    ref = (await cards.submit_trade(client, test_key, card_number="4000000000000001")).json()["data"]["reference"]
    await run_jobs()
    await client.post(
        f"{PTP}/withdrawals.php",
        headers={"X-API-Key": test_key},
        json={"amount": "100", "method": "mtn_momo", "account_name": "A", "account_number": "0551234567"},
    )
    await cards.rate(platform, rate_per_unit="9.1")
    await run_jobs()
    kinds = [r.json()["event"] for r in receiver.received]
    assert kinds == ["trade.submitted", "trade.approved", "withdrawal.created", "withdrawal.completed"]
    for delivery in receiver.received:
        assert verify_peertupeer(endpoint["secret"], delivery)
        verify_standard(endpoint["secret"], delivery)
    approved = receiver.received[1].json()["data"]
    assert approved["reference"] == ref and approved["net_payout_ghs"] == Decimal("828.75")
    assert approved["card_number"] == "****0001"
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 4


async def test_forged_signature_is_detected_by_the_receiver_check(
    client, platform, merchant, test_key, receiver, run_jobs
):
    async with platform.db.transaction() as session:
        await actions.add_webhook(
            platform, session, account_id=merchant["id"], url=receiver.url, livemode=False, surface="peertupeer"
        )
    await cards.submit_trade(client, test_key)
    await run_jobs()
    assert not verify_peertupeer("whsec_someone_elses_secret", receiver.received[0])
