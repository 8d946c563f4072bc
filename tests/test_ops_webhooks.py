"""Webhook endpoints an operator manages over /ops/v1: list (per account), disable (no
deliveries), enable, rotate the signing secret (both signatures during the grace), and the
deliveries list with its date range and CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from standardwebhooks import Webhook, WebhookVerificationError

from peerx.core.clock import clock
from peerx.core.events import emit
from tests.fixtures import factories as f
from tests.fixtures.receiver import verify_peertupeer, verify_standard

OPS = "/ops/v1"
AUTH = {"Authorization": "Bearer ops-secret-token"}


async def event(platform, account_id: int, n: int) -> str:  # type: ignore[no-untyped-def]
    async with platform.db.transaction() as session:
        sent = await emit(
            session, surface="peertupeer", type="trade.approved", livemode=True, body={"n": n}, party_id=account_id
        )
    return sent.id


async def endpoint_of(client, account_id: int, url: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    created = await client.post(f"{OPS}/webhooks", json={"account_id": account_id, "url": url}, headers=AUTH)
    assert created.status_code == 201, created.text
    return created.json()


async def test_list_disable_and_enable(client, platform, receiver, run_jobs):
    ama = await f.merchant(platform)
    kofi = await f.merchant(platform, name="Kofi", email="kofi@example.com")
    mine = await endpoint_of(client, ama["id"], receiver.url)
    await endpoint_of(client, kofi["id"], receiver.url + "/kofi")

    listed = (await client.get(f"{OPS}/webhooks", params={"account": ama["id"]}, headers=AUTH)).json()
    assert [e["id"] for e in listed["items"]] == [mine["id"]] and listed["total"] == 1
    item = listed["items"][0]
    assert item["party_name"] == "Ama Traders" and item["disabled"] is False and "secret" not in item
    assert mine["secret"] not in str(listed)

    # A pending delivery is stopped by the disable; new events queue nothing; nothing is sent.
    pending_event = await event(platform, ama["id"], 1)
    disabled = await client.post(f"{OPS}/webhooks/{mine['id']}/disable", headers=AUTH)
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert disabled.json()["stopped_deliveries"] == 1
    await event(platform, ama["id"], 2)
    await run_jobs()
    assert receiver.received == []
    dead = (await client.get(f"{OPS}/webhooks/deliveries", params={"status": "dead"}, headers=AUTH)).json()
    assert [(d["event_id"], d["last_error"]) for d in dead["items"]] == [(pending_event, "endpoint disabled")]
    assert (await client.post(f"{OPS}/webhooks/{mine['id']}/disable", headers=AUTH)).status_code == 409

    enabled = await client.post(f"{OPS}/webhooks/{mine['id']}/enable", headers=AUTH)
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    await event(platform, ama["id"], 3)
    await run_jobs()
    assert [r.json() for r in receiver.received] == [{"n": 3}]
    assert (await client.post(f"{OPS}/webhooks/{mine['id']}/enable", headers=AUTH)).status_code == 409
    assert (await client.post(f"{OPS}/webhooks/999/disable", headers=AUTH)).status_code == 404
    bad = await client.get(f"{OPS}/webhooks", params={"account": "x"}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "account"


async def test_rotate_secret_signs_with_both_during_the_grace(client, platform, receiver, run_jobs):
    ama = await f.merchant(platform)
    endpoint = await endpoint_of(client, ama["id"], receiver.url)
    old = endpoint["secret"]
    rotated = await client.post(f"{OPS}/webhooks/{endpoint['id']}/rotate-secret", json={"grace_hours": 2}, headers=AUTH)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != old and rotated.json()["previous_secret_expires_at"]

    await event(platform, ama["id"], 1)
    await run_jobs()
    during = receiver.received[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert verify_standard(new, during) and verify_standard(old, during)  # either secret verifies
    assert verify_peertupeer(new, during) and not verify_peertupeer(old, during)  # one-value header: new

    clock.advance(timedelta(hours=2, seconds=1))
    await event(platform, ama["id"], 2)
    await run_jobs()
    after = receiver.received[-1]
    assert verify_standard(new, after)
    try:
        Webhook(old).verify(after.body, after.headers)
        raise AssertionError("the old secret still verifies after its grace")
    except WebhookVerificationError:
        pass
    shown = (await client.get(f"{OPS}/webhooks/{endpoint['id']}", headers=AUTH)).json()
    assert shown["previous_secret_expires_at"] is None

    bad = await client.post(f"{OPS}/webhooks/{endpoint['id']}/rotate-secret", json={"grace_hours": 169}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "grace_hours"


async def test_deliveries_by_date_as_csv(client, platform, receiver, run_jobs):
    ama = await f.merchant(platform)
    await endpoint_of(client, ama["id"], receiver.url)
    first = await event(platform, ama["id"], 1)
    clock.advance(timedelta(days=2))
    second = await event(platform, ama["id"], 2)
    await run_jobs()
    today = clock.now().date().isoformat()
    ranged = (await client.get(f"{OPS}/webhooks/deliveries", params={"from": today}, headers=AUTH)).json()
    assert [d["event_id"] for d in ranged["items"]] == [second]
    exported = await client.get(f"{OPS}/webhooks/deliveries", params={"format": "csv"}, headers=AUTH)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["event_id"] for r in rows] == [second, first] and rows[0]["status"] == "succeeded"
