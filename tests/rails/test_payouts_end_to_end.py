"""Payouts through the real connectors, end to end: the app (live keys) -> jobs -> the local fake
MTN MoMo and Orange Money servers over HTTP -> the ledger. Test mode stays on the sandbox rail."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from peerx.core.clock import clock
from peerx.ops.remittances import actions as remittance_ops
from peerx.products.giftcards.models import Withdrawal
from peerx.products.remittances.models import Transaction
from peerx.rails.models import RailPayToken
from peerx.settings import Settings
from tests.conftest import make_settings
from tests.fixtures import factories as f
from tests.fixtures import fake_momo, fake_orange
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories.remittances import create_partner, fund, pay, request_of, solde
from tests.fixtures.fake_momo import FakeMomo, MomoBehaviour
from tests.fixtures.fake_orange import FakeOrange, OrangeBehaviour
from tests.fixtures.ledger import verify_ledger

CLIENT_TIMEOUT = 0.3
SLOWER_THAN_CLIENT = 0.8
POLL = timedelta(seconds=30)
MTN_CM = "+237675287689"
ORANGE_CM = "+237695287689"


@pytest.fixture
def settings(tmp_path, database_url, fake_momo_api: FakeMomo, fake_orange_api: FakeOrange) -> Settings:
    fake_momo_api.currencies = frozenset({"XAF", "GHS"})  # as MTN Cameroon and MTN Ghana take
    return make_settings(
        tmp_path,
        database_url,
        mtn_momo_countries="GH,CM",
        mtn_momo_base_url=fake_momo_api.base_url,
        mtn_momo_api_user=fake_momo.API_USER,
        mtn_momo_api_key=fake_momo.API_KEY,
        mtn_momo_subscription_key=fake_momo.SUBSCRIPTION_KEY,
        mtn_momo_target_environment="sandbox",
        mtn_momo_callback_url="http://peerx.test/rails/v1/mtn_momo/callback",
        mtn_momo_timeout_seconds=CLIENT_TIMEOUT,
        orange_money_base_url=fake_orange_api.base_url,
        orange_money_client_id=fake_orange.CLIENT_ID,
        orange_money_client_secret=fake_orange.CLIENT_SECRET,
        orange_money_api_username=fake_orange.API_USERNAME,
        orange_money_api_password=fake_orange.API_PASSWORD,
        orange_money_channel_msisdn=fake_orange.CHANNEL_MSISDN,
        orange_money_pin=fake_orange.PIN,
        orange_money_notify_url="http://peerx.test/rails/v1/orange_money/notify",
        orange_money_timeout_seconds=CLIENT_TIMEOUT,
    )


@pytest.fixture
async def partner(platform) -> dict[str, Any]:
    account = await create_partner(platform)
    await fund(platform, account["id"], 100_000, livemode=True)
    await fund(platform, account["id"], 100_000, livemode=False)
    return account


def key(partner: dict[str, Any]) -> str:
    return str(partner["peex"]["secret_key"])


async def payout_reference(platform, track_id: str) -> str:
    async with platform.db.transaction() as session:
        reference = await session.scalar(select(Transaction.payout_reference).where(Transaction.track_id == track_id))
    assert reference is not None
    return reference


def xaf(amount: int) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.1"))


async def test_remittance_paid_through_mtn_momo(client, platform, partner, fake_momo_api, run_jobs):
    resp = await pay(client, key(partner), amount=1500, mobile_phone=MTN_CM, track_id="MTN-1")
    assert resp.json()["request"]["status"] == "new"
    await run_jobs()
    reference = await payout_reference(platform, "MTN-1")
    (post,) = fake_momo_api.transfer_posts(reference)
    assert post.path == "/disbursement/v1_0/transfer"
    assert post.headers["x-target-environment"] == "sandbox"
    assert post.headers["x-callback-url"] == "http://peerx.test/rails/v1/mtn_momo/callback"
    sent = post.json()
    assert (sent["amount"], sent["currency"], sent["externalId"]) == ("1500", "XAF", reference)
    assert sent["payee"] == {"partyIdType": "MSISDN", "partyId": "237675287689"}
    assert (await request_of(client, key(partner), "MTN-1"))["status"] == "pending"
    clock.advance(POLL)
    await run_jobs()
    paid = await request_of(client, key(partner), "MTN-1")
    assert paid["status"] == "paid"
    assert paid["payment_proof"] == fake_momo_api.status_body(reference)["financialTransactionId"]
    assert await solde(client, key(partner)) == xaf(98_500)
    await verify_ledger(platform)


async def test_remittance_paid_through_orange_money(client, platform, partner, fake_orange_api, run_jobs):
    resp = await pay(client, key(partner), amount=2500, mobile_phone=ORANGE_CM, track_id="OM-1")
    assert resp.json()["request"]["status"] == "new"
    await run_jobs()
    (pay_post,) = fake_orange_api.pay_posts()
    sent = pay_post.json()
    assert (sent["amount"], sent["subscriberMsisdn"], sent["channelUserMsisdn"]) == ("2500", "695287689", "691301143")
    reference = await payout_reference(platform, "OM-1")
    assert sent["orderId"] == reference.replace("-", "")
    async with platform.db.transaction() as session:  # the payToken was stored (and committed) first
        stored = await session.scalar(select(RailPayToken.pay_token).where(RailPayToken.reference == reference))
    assert stored == sent["payToken"]
    paid = await request_of(client, key(partner), "OM-1")
    assert paid["status"] == "paid" and paid["payment_proof"].startswith("CI")  # Orange's txnid
    assert await solde(client, key(partner)) == xaf(97_500)
    await verify_ledger(platform)


async def test_timed_out_mtn_send_is_decided_by_status_never_resent(client, platform, partner, fake_momo_api, run_jobs):
    fake_momo_api.behave("237675287689", MomoBehaviour.slow_once(SLOWER_THAN_CLIENT))
    await pay(client, key(partner), amount=1000, mobile_phone=MTN_CM, track_id="SLOW")
    await run_jobs()  # the POST times out: outcome unknown, the hold stays
    assert (await request_of(client, key(partner), "SLOW"))["status"] == "pending"
    assert await solde(client, key(partner)) == xaf(99_000)
    clock.advance(POLL)
    await run_jobs()
    assert (await request_of(client, key(partner), "SLOW"))["status"] == "paid"
    reference = await payout_reference(platform, "SLOW")
    assert len(fake_momo_api.transfer_posts()) == 1  # one send, ever, with one reference
    assert fake_momo_api.transfer_posts()[0].headers["x-reference-id"] == reference
    assert len(fake_momo_api.status_gets(reference)) == 1
    await verify_ledger(platform)


async def test_timed_out_orange_pay_is_decided_by_status_never_paid_twice(
    client, platform, partner, fake_orange_api, run_jobs
):
    fake_orange_api.behave("695287689", OrangeBehaviour.slow_once(SLOWER_THAN_CLIENT))
    await pay(client, key(partner), amount=1000, mobile_phone=ORANGE_CM, track_id="SLOW-OM")
    await run_jobs()
    assert (await request_of(client, key(partner), "SLOW-OM"))["status"] == "pending"
    clock.advance(POLL)
    await run_jobs()
    assert (await request_of(client, key(partner), "SLOW-OM"))["status"] == "paid"
    assert len(fake_orange_api.init_posts()) == len(fake_orange_api.pay_posts()) == 1
    assert len(fake_orange_api.status_gets()) == 1
    await verify_ledger(platform)


async def test_pending_then_failed_voids_the_debit_back_to_the_solde(
    client, platform, partner, fake_momo_api, run_jobs
):
    fake_momo_api.behave("237675287689", MomoBehaviour.pending_then_failed(2, "NOT_ENOUGH_FUNDS"))
    await pay(client, key(partner), amount=3000, mobile_phone=MTN_CM, track_id="PTF")
    await run_jobs()
    for _ in range(2):
        clock.advance(POLL)
        await run_jobs()
        assert (await request_of(client, key(partner), "PTF"))["status"] == "pending"
        assert await solde(client, key(partner)) == xaf(97_000)
    clock.advance(POLL)
    await run_jobs()
    failed = await request_of(client, key(partner), "PTF")
    assert (failed["status"], failed["payment_proof"]) == ("failed", "NOT_ENOUGH_FUNDS")
    assert await solde(client, key(partner)) == xaf(100_000)
    assert len(fake_momo_api.transfer_posts()) == 1
    await verify_ledger(platform)


async def test_a_send_mtn_never_recorded_is_sent_again_with_the_same_reference(
    client, platform, partner, fake_momo_api, run_jobs
):
    fake_momo_api.behave("237675287689", MomoBehaviour.error_once_with(500))
    await pay(client, key(partner), amount=1000, mobile_phone=MTN_CM, track_id="5XX")
    await run_jobs()
    clock.advance(POLL)
    await run_jobs()  # status: 404 -> PayoutNotFound -> send again, same reference
    clock.advance(POLL)
    await run_jobs()
    assert (await request_of(client, key(partner), "5XX"))["status"] == "paid"
    reference = await payout_reference(platform, "5XX")
    assert [p.headers["x-reference-id"] for p in fake_momo_api.transfer_posts()] == [reference, reference]
    await verify_ledger(platform)


async def test_an_orange_init_that_failed_is_started_again(client, platform, partner, fake_orange_api, run_jobs):
    fake_orange_api.refuse_next_init(503, "503", "Service indisponible")
    await pay(client, key(partner), amount=1000, mobile_phone=ORANGE_CM, track_id="INIT")
    await run_jobs()
    assert (await request_of(client, key(partner), "INIT"))["status"] == "pending"
    clock.advance(POLL)
    await run_jobs()
    assert (await request_of(client, key(partner), "INIT"))["status"] == "paid"
    assert len(fake_orange_api.init_posts()) == 2 and len(fake_orange_api.pay_posts()) == 1


async def test_an_orange_refusal_fails_with_its_code(client, platform, partner, fake_orange_api, run_jobs):
    fake_orange_api.behave("695287689", OrangeBehaviour.fault_on_pay(400, "60019", "Solde insuffisant"))
    await pay(client, key(partner), amount=1000, mobile_phone=ORANGE_CM, track_id="FAULT")
    await run_jobs()
    failed = await request_of(client, key(partner), "FAULT")
    assert (failed["status"], failed["payment_proof"]) == ("failed", "60019")
    assert await solde(client, key(partner)) == xaf(100_000)


async def test_an_mtn_callback_is_a_hint_that_wakes_the_status_query(
    client, platform, partner, fake_momo_api, run_jobs
):
    await pay(client, key(partner), amount=1000, mobile_phone=MTN_CM, track_id="CB")
    await run_jobs()
    reference = await payout_reference(platform, "CB")
    callback = {**fake_momo_api.status_body(reference), "referenceId": reference}
    resp = await client.post("/rails/v1/mtn_momo/callback", json=callback)
    assert resp.status_code == 200 and resp.json() == {"received": True}
    await run_jobs()  # no clock move: the callback woke the job
    assert (await request_of(client, key(partner), "CB"))["status"] == "paid"
    assert len(fake_momo_api.status_gets(reference)) == 1
    again = await client.put("/rails/v1/mtn_momo/callback", json=callback)  # MTN may PUT
    assert again.status_code == 200
    assert await run_jobs() == 0  # throttled, and the payout is settled anyway


async def test_a_forged_mtn_callback_settles_nothing(client, platform, partner, fake_momo_api, run_jobs):
    fake_momo_api.behave("237675287689", MomoBehaviour.fail("PAYEE_NOT_FOUND"))
    await pay(client, key(partner), amount=1000, mobile_phone=MTN_CM, track_id="FORGED")
    await run_jobs()
    reference = await payout_reference(platform, "FORGED")
    forged = {"externalId": reference, "status": "SUCCESSFUL", "financialTransactionId": "123"}
    assert (await client.post("/rails/v1/mtn_momo/callback", json=forged)).status_code == 200
    await run_jobs()
    failed = await request_of(client, key(partner), "FORGED")
    assert (failed["status"], failed["payment_proof"]) == ("failed", "PAYEE_NOT_FOUND")
    unknown = await client.post("/rails/v1/mtn_momo/callback", json={"externalId": "not-ours", "status": "FAILED"})
    assert unknown.status_code == 200 and await run_jobs() == 0
    assert (await client.post("/rails/v1/mtn_momo/callback", json={"status": "FAILED"})).status_code == 400


async def test_an_orange_notification_wakes_the_status_query(client, platform, partner, fake_orange_api, run_jobs):
    fake_orange_api.behave("695287689", OrangeBehaviour.ends("SUCCESSFULL", pending_polls=1))
    await pay(client, key(partner), amount=1000, mobile_phone=ORANGE_CM, track_id="NOTIF")
    await run_jobs()
    clock.advance(POLL)
    await run_jobs()  # first poll: still PENDING
    assert (await request_of(client, key(partner), "NOTIF"))["status"] == "pending"
    (pay_post,) = fake_orange_api.pay_posts()
    resp = await client.post("/rails/v1/orange_money/notify", json={"payToken": pay_post.json()["payToken"]})
    assert resp.status_code == 200
    await run_jobs()
    assert (await request_of(client, key(partner), "NOTIF"))["status"] == "paid"
    assert len(fake_orange_api.pay_posts()) == 1


async def test_test_mode_stays_on_the_sandbox_rail(client, platform, partner, fake_momo_api, fake_orange_api, run_jobs):
    for number, track in ((MTN_CM, "T-MTN"), (ORANGE_CM, "T-OM")):
        await pay(client, partner["peex"]["test_secret_key"], amount=1000, mobile_phone=number, track_id=track)
    await run_jobs()
    for track in ("T-MTN", "T-OM"):
        async with platform.db.transaction() as session:
            tx = await session.scalar(select(Transaction).where(Transaction.track_id == track))
            view = await remittance_ops.show(platform, session, transaction_id=tx.id)
        assert (view["status"], view["rail"]) == ("paid", "sandbox")
    assert fake_momo_api.requests == [] and fake_orange_api.requests == []


async def test_giftcard_withdrawals_pay_out_through_mtn_momo_ghana(client, platform, fake_momo_api, run_jobs):
    merchant = await f.merchant(platform)
    await f.fund(platform, merchant["id"], "800", livemode=True)
    resp = await client.post(
        f"{cards.PTP}/withdrawals.php",
        headers={"X-API-Key": merchant["peertupeer"]["live_key"]},
        json={"amount": "500", "method": "mtn_momo", "account_name": "Kofi Mensah", "account_number": "0241234567"},
    )
    assert resp.status_code == 200, resp.text
    ref = resp.json()["data"]["reference"]
    await run_jobs()
    async with platform.db.transaction() as session:
        withdrawal = await session.scalar(select(Withdrawal).where(Withdrawal.reference == ref))
    assert withdrawal is not None and (withdrawal.status, withdrawal.rail) == ("processing", "mtn_momo")
    (post,) = fake_momo_api.transfer_posts(withdrawal.payout_reference)
    sent = post.json()
    assert (sent["amount"], sent["currency"]) == ("500.00", "GHS")
    assert sent["payee"] == {"partyIdType": "MSISDN", "partyId": "233241234567"}
    assert sent["payerMessage"] == f"PeerTupeer withdrawal {ref}"
    clock.advance(POLL)
    await run_jobs()
    listed = (
        await client.get(f"{cards.PTP}/withdrawals.php", headers={"X-API-Key": merchant["peertupeer"]["live_key"]})
    ).json()["data"]
    assert listed[0]["status"] == "completed"
    assert len(fake_momo_api.status_gets(withdrawal.payout_reference)) == 1
    await verify_ledger(platform)


async def test_a_giftcard_withdrawal_callback_wakes_its_job(client, platform, fake_momo_api, run_jobs):
    merchant = await f.merchant(platform)
    await f.fund(platform, merchant["id"], "800", livemode=True)
    await client.post(
        f"{cards.PTP}/withdrawals.php",
        headers={"X-API-Key": merchant["peertupeer"]["live_key"]},
        json={"amount": "100", "method": "mtn_momo", "account_name": "Kofi", "account_number": "0551234567"},
    )
    await run_jobs()
    async with platform.db.transaction() as session:
        withdrawal = await session.scalar(select(Withdrawal))
    assert withdrawal is not None
    body = fake_momo_api.status_body(withdrawal.payout_reference)
    assert (await client.post("/rails/v1/mtn_momo/callback", json=body)).status_code == 200
    await run_jobs()
    async with platform.db.transaction() as session:
        withdrawal = await session.scalar(select(Withdrawal))
    assert withdrawal is not None and withdrawal.status == "completed"
