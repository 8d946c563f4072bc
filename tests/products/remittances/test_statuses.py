"""The nine statuses, each reached the way the document's table says, with the money behind
them: the partner's solde held two-phase (amount + fee) and the float at the operator."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from peerx.core import ledger
from peerx.core.clock import clock
from peerx.core.errors import Conflict
from peerx.ops.remittances import actions as remittance_ops
from peerx.rails.floats import float_account
from tests.fixtures.factories.remittances import (
    event_statuses,
    fund,
    pay,
    request_of,
    set_float,
    set_partner,
    solde,
)
from tests.fixtures.ledger import account_totals, verify_ledger

RETRY = timedelta(seconds=30)  # PEERX_PEEX_BALANCE_RETRY_SECONDS
REJECT_AFTER = timedelta(days=1)  # PEERX_PEEX_REJECT_AFTER_SECONDS


async def operator(platform, action, **kwargs):
    async with platform.db.transaction() as session:
        return await getattr(remittance_ops, action)(platform, session, **kwargs)


def xaf(amount: int) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.1"))


async def test_paid_new_then_pending_then_paid(client, platform, partner, test_key, run_jobs):
    await fund(platform, partner["id"], 10_000, livemode=False)
    await set_partner(platform, partner["id"], mtn_fee="500")
    created = (await pay(client, test_key, amount=2000)).json()["request"]
    assert created["status"] == "new"
    assert await solde(client, test_key) == xaf(7500)
    await run_jobs()
    paid = await request_of(client, test_key, "TEST202103019")
    assert paid["status"] == "paid" and paid["payment_proof"].startswith("sbx_")  # the confirmation id
    assert await event_statuses(platform) == ["new", "pending", "paid"]
    assert await solde(client, test_key) == xaf(7500)
    assert await account_totals(platform, ledger.platform_account("remittance_fees", "XAF", False)) == {
        "debits_pending": 0,
        "debits_posted": 0,
        "credits_pending": 0,
        "credits_posted": 500,
    }
    in_flight = await account_totals(platform, ledger.platform_account("remittances_in_flight", "XAF", False))
    assert in_flight["credits_posted"] == in_flight["debits_posted"] == 2500
    await verify_ledger(platform)


async def test_failed_with_the_reason_in_payment_proof(client, platform, partner, test_key, run_jobs):
    await fund(platform, partner["id"], 10_000, livemode=False)
    await set_partner(platform, partner["id"], mtn_fee="500")
    await pay(client, test_key, amount=2000, mobile_phone="+237675281111")  # sandbox: PAYEE_NOT_FOUND
    await run_jobs()
    failed = await request_of(client, test_key, "TEST202103019")
    assert (failed["status"], failed["payment_proof"]) == ("failed", "PAYEE_NOT_FOUND")
    assert await solde(client, test_key) == xaf(10_000)  # amount and fee given back
    assert await event_statuses(platform) == ["new", "pending", "failed"]
    await verify_ledger(platform)


async def test_pending_then_failed_voids_the_debit_back_to_the_solde(client, platform, partner, test_key, run_jobs):
    await fund(platform, partner["id"], 10_000, livemode=False)
    await pay(client, test_key, amount=4000, mobile_phone="+237695283333")  # sandbox: pending, then failed
    await run_jobs()
    assert (await request_of(client, test_key, "TEST202103019"))["status"] == "pending"
    assert await solde(client, test_key) == xaf(6000)  # still held while the operator decides
    clock.advance(RETRY)
    await run_jobs()
    failed = await request_of(client, test_key, "TEST202103019")
    assert (failed["status"], failed["payment_proof"]) == ("failed", "NOT_ENOUGH_FUNDS")
    assert await solde(client, test_key) == xaf(10_000)
    await verify_ledger(platform)


@pytest.mark.parametrize("number", ["+237675282222", "+237675284444"], ids=["pending-then-paid", "timeout-then-paid"])
async def test_an_unknown_outcome_is_decided_by_status(client, platform, partner, test_key, run_jobs, number):
    await fund(platform, partner["id"], 10_000, livemode=False)
    await pay(client, test_key, amount=1000, mobile_phone=number)
    await run_jobs()
    assert (await request_of(client, test_key, "TEST202103019"))["status"] == "pending"
    clock.advance(RETRY)
    await run_jobs()
    assert (await request_of(client, test_key, "TEST202103019"))["status"] == "paid"
    assert await solde(client, test_key) == xaf(9000)
    await verify_ledger(platform)


async def test_balance_pending_resumes_by_itself_when_the_partner_is_funded(
    client, platform, partner, test_key, run_jobs
):
    await fund(platform, partner["id"], 500, livemode=False)
    await set_partner(platform, partner["id"], mtn_fee="100")
    created = (await pay(client, test_key, amount=1000)).json()["request"]
    assert created["status"] == "balance_pending"
    assert await solde(client, test_key) == xaf(500)  # nothing held
    clock.advance(RETRY)
    await run_jobs()
    assert (await request_of(client, test_key, "TEST202103019"))["status"] == "balance_pending"
    await fund(platform, partner["id"], 600, livemode=False)  # 1100 now: amount + fee
    clock.advance(RETRY)
    await run_jobs()
    assert (await request_of(client, test_key, "TEST202103019"))["status"] == "paid"
    assert await solde(client, test_key) == xaf(0)
    assert await event_statuses(platform) == ["balance_pending", "new", "pending", "paid"]
    await verify_ledger(platform)


async def test_balance_pending_is_rejected_after_the_configured_time(client, platform, partner, test_key, run_jobs):
    await fund(platform, partner["id"], 500, livemode=False)
    await pay(client, test_key, amount=1000)
    for _ in range(3):
        clock.advance(REJECT_AFTER / 3 - timedelta(seconds=1))
        await run_jobs()
        assert (await request_of(client, test_key, "TEST202103019"))["status"] == "balance_pending"
    clock.advance(timedelta(seconds=5))
    await run_jobs()
    rejected = await request_of(client, test_key, "TEST202103019")
    assert (rejected["status"], rejected["payment_proof"]) == ("rejected", "INSUFFICIENT_FUNDS")
    assert await event_statuses(platform) == ["balance_pending", "rejected"]
    # funding later changes nothing: rejected is final
    await fund(platform, partner["id"], 5000, livemode=False)
    clock.advance(RETRY)
    assert await run_jobs() == 0
    assert await solde(client, test_key) == xaf(5500)
    await verify_ledger(platform)


async def test_max_amount_above_the_limit_then_rejected(client, platform, partner, test_key, run_jobs):
    await fund(platform, partner["id"], 100_000, livemode=False)
    await set_partner(platform, partner["id"], max_amount="50000")
    assert (await pay(client, test_key, amount=50_000, track_id="AT-LIMIT")).json()["request"]["status"] == "new"
    over = (await pay(client, test_key, amount=50_001, track_id="OVER")).json()["request"]
    assert over["status"] == "max_amount"
    assert await solde(client, test_key) == xaf(50_000)  # only the first is held
    clock.advance(REJECT_AFTER)
    await run_jobs()
    rejected = await request_of(client, test_key, "OVER")
    assert (rejected["status"], rejected["payment_proof"]) == ("rejected", "AMOUNT_EXCEED_THRESHOLD")
    await verify_ledger(platform)


async def test_max_amount_is_retried_by_an_operator_after_the_limit_is_raised(
    client, platform, partner, test_key, run_jobs
):
    await fund(platform, partner["id"], 2_000_000, livemode=False)
    created = (await pay(client, test_key, amount=1_500_000)).json()["request"]  # default limit 1 000 000
    assert created["status"] == "max_amount"
    with pytest.raises(Conflict, match="still max_amount"):
        await operator(platform, "retry", transaction_id=created["id"])
    await set_partner(platform, partner["id"], max_amount="2000000")
    retried = await operator(platform, "retry", transaction_id=created["id"])
    assert retried["status"] == "new"
    await run_jobs()
    assert (await request_of(client, test_key, "TEST202103019"))["status"] == "paid"
    assert await event_statuses(platform) == ["max_amount", "new", "pending", "paid"]
    await verify_ledger(platform)


async def test_mw_balance_pending_while_the_float_is_short_then_resumes(client, platform, partner, test_key, run_jobs):
    await fund(platform, partner["id"], 10_000, livemode=False)
    await set_partner(platform, partner["id"], mtn_fee="200")
    await set_float(platform, "mtn_momo", 500, livemode=False)
    created = (await pay(client, test_key, amount=1000)).json()["request"]
    assert created["status"] == "mw_balance_pending"
    assert await solde(client, test_key) == xaf(8800)  # the partner's part is held meanwhile
    # an Orange payment does not wait for MTN's float (and Orange's is not tracked)
    assert (await pay(client, test_key, amount=1000, track_id="ORA", mobile_phone="+237695287689")).json()["request"][
        "status"
    ] == "new"
    view = await set_float(platform, "mtn_momo", 5000, livemode=False)
    assert (view["amount"], view["available"]) == (5000, 5000)
    await run_jobs()  # the top-up resumes what waited for float, at once
    assert (await request_of(client, test_key, "TEST202103019"))["status"] == "paid"
    assert (await request_of(client, test_key, "ORA"))["status"] == "paid"
    async with platform.db.transaction() as session:
        shown = await remittance_ops.get_float(platform, session, rail="mtn_momo", currency="XAF", livemode=False)
    assert (shown["amount"], shown["reserved"], shown["available"]) == (4000, 0, 4000)
    assert await event_statuses(platform, "TEST202103019") == ["mw_balance_pending", "new", "pending", "paid"]
    assert await event_statuses(platform, "ORA") == ["new", "pending", "paid"]
    await verify_ledger(platform)


async def test_mw_balance_pending_is_rejected_after_the_configured_time(client, platform, partner, test_key, run_jobs):
    await fund(platform, partner["id"], 10_000, livemode=False)
    await set_float(platform, "orange_money", 100, livemode=False)
    await pay(client, test_key, amount=1000, mobile_phone="+237695287689")
    assert await solde(client, test_key) == xaf(9000)
    clock.advance(REJECT_AFTER)
    await run_jobs()
    rejected = await request_of(client, test_key, "TEST202103019")
    assert (rejected["status"], rejected["payment_proof"]) == ("rejected", "INSUFFICIENT_MW_BALANCE")
    assert await solde(client, test_key) == xaf(10_000)
    assert await account_totals(platform, float_account("orange_money", "XAF", False)) == {
        "debits_pending": 0,
        "debits_posted": 100,
        "credits_pending": 0,
        "credits_posted": 0,
    }
    await verify_ledger(platform)


async def test_the_float_reserves_while_in_flight_and_cannot_be_set_below_that(
    client, platform, partner, test_key, run_jobs
):
    await fund(platform, partner["id"], 10_000, livemode=False)
    await set_float(platform, "mtn_momo", 3000, livemode=False)
    await pay(client, test_key, amount=2000, mobile_phone="+237675282222")  # pending at first
    await run_jobs()
    async with platform.db.transaction() as session:
        shown = await remittance_ops.get_float(platform, session, rail="mtn_momo", currency="XAF", livemode=False)
    assert (shown["amount"], shown["reserved"], shown["available"]) == (3000, 2000, 1000)
    with pytest.raises(Exception, match="below the 2000 reserved"):
        await set_float(platform, "mtn_momo", 1999, livemode=False)
    clock.advance(RETRY)
    await run_jobs()
    async with platform.db.transaction() as session:
        shown = await remittance_ops.get_float(platform, session, rail="mtn_momo", currency="XAF", livemode=False)
    assert (shown["amount"], shown["reserved"], shown["available"]) == (1000, 0, 1000)
    await verify_ledger(platform)


@pytest.mark.parametrize("state", ["new", "balance_pending", "max_amount", "mw_balance_pending"])
async def test_canceled_by_an_operator_with_a_reason(client, platform, partner, test_key, run_jobs, state):
    await fund(platform, partner["id"], 5000, livemode=False)
    amount = {"new": 1000, "balance_pending": 6000, "max_amount": 2_000_000, "mw_balance_pending": 1000}[state]
    if state == "mw_balance_pending":
        await set_float(platform, "mtn_momo", 10, livemode=False)
    created = (await pay(client, test_key, amount=amount)).json()["request"]
    assert created["status"] == state
    canceled = await operator(platform, "cancel", transaction_id=created["id"], reason="Sender asked to stop")
    assert (canceled["status"], canceled["payment_proof"]) == ("canceled", "Sender asked to stop")
    await run_jobs()  # the queued payout (or timer) finds it canceled: nothing is sent
    clock.advance(REJECT_AFTER)
    await run_jobs()
    shown = await request_of(client, test_key, "TEST202103019")
    assert (shown["status"], shown["payment_proof"]) == ("canceled", "Sender asked to stop")
    assert await solde(client, test_key) == xaf(5000)
    assert await event_statuses(platform) == [state, "canceled"]
    await verify_ledger(platform)


async def test_a_payout_in_flight_cannot_be_canceled(client, platform, partner, test_key, run_jobs):
    await fund(platform, partner["id"], 5000, livemode=False)
    created = (await pay(client, test_key, amount=1000, mobile_phone="+237675282222")).json()["request"]
    await run_jobs()
    with pytest.raises(Conflict, match="pending"):
        await operator(platform, "cancel", transaction_id=created["id"], reason="too late")
    with pytest.raises(Exception, match="reason"):
        await operator(platform, "cancel", transaction_id=created["id"], reason="  ")


async def test_a_failed_payout_is_retried_under_a_new_reference(client, platform, partner, test_key, run_jobs):
    await fund(platform, partner["id"], 5000, livemode=False)
    created = (await pay(client, test_key, amount=1000, mobile_phone="+237695281111")).json()["request"]
    await run_jobs()
    first = await operator(platform, "show", transaction_id=created["id"])
    assert first["status"] == "failed"
    retried = await operator(platform, "retry", transaction_id=created["id"])
    assert retried["status"] == "new" and retried["payment_proof"] is None
    assert retried["payout_reference"] != first["payout_reference"]
    assert await solde(client, test_key) == xaf(4000)  # held again
    await run_jobs()
    assert (await request_of(client, test_key, "TEST202103019"))["status"] == "failed"  # same magic number
    assert await solde(client, test_key) == xaf(5000)
    assert await event_statuses(platform) == ["new", "pending", "failed", "new", "pending", "failed"]
    await verify_ledger(platform)


async def test_paid_canceled_and_rejected_are_final(client, platform, partner, test_key, run_jobs):
    await fund(platform, partner["id"], 5000, livemode=False)
    created = (await pay(client, test_key, amount=1000)).json()["request"]
    await run_jobs()
    for action, kwargs in (("retry", {}), ("cancel", {"reason": "no"}), ("settle", {"paid": False, "note": ""})):
        with pytest.raises(Conflict, match="is paid"):
            await operator(platform, action, transaction_id=created["id"], **kwargs)
    with pytest.raises(Exception, match="not found"):
        await operator(platform, "retry", transaction_id=99_999)


async def test_live_without_a_connector_waits_for_the_operator(client, platform, partner, live_key, run_jobs):
    await fund(platform, partner["id"], 5000, livemode=True)
    created = (await pay(client, live_key, amount=1000)).json()["request"]
    await run_jobs()
    assert (await request_of(client, live_key, "TEST202103019"))["status"] == "pending"
    clock.advance(timedelta(hours=1))
    assert await run_jobs() == 0  # the manual rail is not polled
    settled = await operator(platform, "settle", transaction_id=created["id"], paid=True, note="MOMO-TX-8812")
    assert (settled["status"], settled["payment_proof"], settled["rail"]) == ("paid", "MOMO-TX-8812", "manual")
    with pytest.raises(Conflict, match="only pending"):
        await operator(platform, "settle", transaction_id=created["id"], paid=False, note="")
    assert await solde(client, live_key) == xaf(4000)
    await verify_ledger(platform)
