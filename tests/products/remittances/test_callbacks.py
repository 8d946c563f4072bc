"""Every status change is POSTed to the partner's callback_url through the core's webhooks:
signed (X-Peex-Signature and Standard Webhooks), retried, one stable event id per change."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from peerx.core.clock import clock
from tests.fixtures.factories.remittances import fund, pay, request_of, set_partner
from tests.fixtures.receiver import verify_peex, verify_standard

TX_FIELDS = [
    "id",
    "amount",
    "status",
    "from_currency",
    "to_currency",
    "created_at",
    "updated_at",
    "payment_proof",
    "identifier_by",
    "track_id",
    "type",
]


def changes(received):
    """Each change once per event id, as a receiver deduplicating on webhook-id sees them."""
    seen: dict[str, str] = {}
    for delivery in received:
        seen.setdefault(delivery.headers["webhook-id"], delivery.json()["status"])
    return list(seen.values())


async def test_each_change_reaches_the_callback_url_signed(client, platform, partner, test_key, receiver, run_jobs):
    terms = await set_partner(platform, partner["id"], callback_url=receiver.url, mtn_fee="100")
    secret = terms["callback_secret"]
    assert secret.startswith("whsec_") and terms["callback_url"] == receiver.url
    await fund(platform, partner["id"], 500, livemode=False)
    await pay(client, test_key, amount=1000)  # short: balance_pending
    await run_jobs()
    await fund(platform, partner["id"], 1000, livemode=False)
    clock.advance(timedelta(seconds=30))
    await run_jobs()
    assert [d.json()["status"] for d in receiver.received] == ["balance_pending", "new", "pending", "paid"]
    for delivery in receiver.received:
        assert delivery.path == "/hook"
        assert verify_peex(secret, delivery)
        verify_standard(secret, delivery)  # raises when the signature is wrong
        assert list(delivery.json()) == TX_FIELDS
        assert delivery.json()["track_id"] == "TEST202103019"
    assert len({d.headers["webhook-id"] for d in receiver.received}) == 4
    final = receiver.received[-1].json()
    assert final == await request_of(client, test_key, "TEST202103019")  # the same object GET shows


async def test_failed_deliveries_are_retried_under_the_same_event_id(
    client, platform, partner, test_key, receiver, run_jobs
):
    secret = (await set_partner(platform, partner["id"], callback_url=receiver.url))["callback_secret"]
    await fund(platform, partner["id"], 5000, livemode=False)
    receiver.script = [500, 503]  # the partner's server fails twice
    await pay(client, test_key, amount=1000, mobile_phone="+237695281111")
    await run_jobs()
    # first attempts: new and pending were refused (500, 503), failed was taken
    assert [d.json()["status"] for d in receiver.received] == ["new", "pending", "failed"]
    for _ in range(4):
        clock.advance(timedelta(minutes=31))  # past the first retries' waits (5 s, 5 min, 30 min)
        await run_jobs()
    assert changes(receiver.received) == ["new", "pending", "failed"]
    attempts = Counter(d.headers["webhook-id"] for d in receiver.received)
    assert sorted(attempts.values()) == [1, 2, 2]  # retried under the same event id
    assert all(verify_peex(secret, d) for d in receiver.received)
    failed = [d for d in receiver.received if d.json()["status"] == "failed"]
    assert failed[0].json()["payment_proof"] == "PAYEE_NOT_FOUND"


async def test_one_secret_for_both_modes_and_url_changes_keep_it(
    client, platform, partner, test_key, live_key, receiver, run_jobs
):
    first = await set_partner(platform, partner["id"], callback_url=receiver.url + "?v=1")
    second = await set_partner(platform, partner["id"], callback_url=receiver.url + "?v=2")
    assert first["callback_secret"] == second["callback_secret"]
    await fund(platform, partner["id"], 5000, livemode=False)
    await fund(platform, partner["id"], 5000, livemode=True)
    await pay(client, test_key, amount=1000, track_id="TEST-MODE")
    await pay(client, live_key, amount=1000, track_id="LIVE-MODE")
    await run_jobs()
    assert {d.path for d in receiver.received} == {"/hook?v=2"}
    assert {d.json()["track_id"] for d in receiver.received} == {"TEST-MODE", "LIVE-MODE"}
    assert all(verify_peex(second["callback_secret"], d) for d in receiver.received)
    assert not verify_peex("whsec_someone_elses_secret", receiver.received[0])


async def test_without_a_callback_url_nothing_is_posted(client, platform, partner, test_key, receiver, run_jobs):
    await set_partner(platform, partner["id"], callback_url=receiver.url)
    removed = await set_partner(platform, partner["id"], callback_url="")
    assert removed["callback_url"] is None and removed["callback_secret"] is None
    await fund(platform, partner["id"], 5000, livemode=False)
    await pay(client, test_key, amount=1000)
    await run_jobs()
    assert receiver.received == []
    assert (await request_of(client, test_key, "TEST202103019"))["status"] == "paid"


async def test_a_bad_callback_url_is_refused(platform, partner):
    for url in ("ftp://example.com/hook", "not a url"):
        with pytest.raises(Exception, match="callback_url"):
            await set_partner(platform, partner["id"], callback_url=url)
