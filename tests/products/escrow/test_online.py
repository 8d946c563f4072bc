"""The online lifecycle over HTTP with buyer, seller and operator: join code, payment into
escrow, tracking, delivery, complaint period, release or refund; balances, ledger, notifications
and client webhooks; every error code the spec lists for these endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest

from peerx.core.clock import clock
from peerx.ops import actions
from peerx.ops.escrow import actions as escrow_ops
from peerx.products.escrow import accounts
from peerx.products.escrow.models import EscrowNotification, EscrowTransaction
from tests.fixtures.factories.escrow import (
    TP,
    balance,
    delivered_tx,
    error,
    joined_tx,
    new_tx,
    op,
    paid_tx,
    person,
    post,
)
from tests.fixtures.ledger import row_count, verify_ledger
from tests.fixtures.receiver import verify_standard

STEPS = ("joined", "paid", "tracked", "delivered", "complained", "funds_released", "payment_refunded")


async def test_happy_path_release_after_complaint_period(
    client, platform, seller, buyer, oauth_client, receiver, run_jobs
):
    hook = await op(
        platform,
        actions.add_webhook,
        account_id=oauth_client["account_id"],
        url=receiver.url,
        livemode=False,
        surface="trustap",
    )
    tx = await new_tx(client, seller, price=1234)
    assert tx["status"] == "created" and tx["seller_id"] == seller.id and "buyer_id" not in tx
    assert tx["price"] == 1234 and tx["charge"] == 62 and tx["descr"] == "Soccer ticket"
    assert not any(step in tx for step in STEPS)  # timestamps only once their step happened

    seen = await client.get(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=buyer.h)
    assert seen.status_code == 200 and seen.json()["id"] == tx["id"]
    joined = (await client.put(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=buyer.h)).json()
    assert joined["buyer_id"] == buyer.id and joined["status"] == "joined" and joined["joined"].endswith("Z")

    paid = await post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_visa"})
    assert paid.status_code == 200 and paid.json()["status"] == "paid" and "tracking_details_deadline" in paid.json()
    escrow_acct = accounts.escrow_account(await _row(platform, tx["id"]))
    assert await balance(platform, escrow_acct) == (1296, 1296)  # price + charge held, all reserved
    assert await balance(platform, accounts.seller_wallet(seller.id, "usd", False)) == (0, 0)

    tracked = await post(client, seller, tx["id"], "track", {"carrier": "fedex", "tracking_code": "DELIVERED-123"})
    assert tracked.status_code == 200 and tracked.json()["tracking"] == {
        "carrier": "fedex",
        "tracking_code": "DELIVERED-123",
    }
    await run_jobs()  # the sandbox carrier reports the parcel delivered
    delivered = (await client.get(f"{TP}/transactions/{tx['id']}", headers=buyer.h)).json()
    assert delivered["status"] == "delivered" and "complaint_period_deadline" in delivered

    clock.advance(timedelta(hours=23))
    await run_jobs()
    assert (await client.get(f"{TP}/transactions/{tx['id']}", headers=seller.h)).json()["status"] == "delivered"
    clock.advance(timedelta(hours=1, seconds=1))
    await run_jobs()
    done = (await client.get(f"{TP}/transactions/{tx['id']}", headers=seller.h)).json()
    assert done["status"] == "funds_released" and "funds_released" in done and done["amount_released"] == 1234

    assert await balance(platform, accounts.seller_wallet(seller.id, "usd", False)) == (1234, 0)
    assert await balance(platform, accounts.fees_account("usd", False)) == (62, 0)
    assert await balance(platform, escrow_acct) == (0, 0)
    await verify_ledger(platform)

    # Notifications: each step told the other party.
    seller_notes = (await client.get(f"{TP}/me/notifications", headers=seller.h)).json()
    buyer_notes = (await client.get(f"{TP}/me/notifications", headers=buyer.h)).json()
    assert [n["description"] for n in seller_notes] == [
        "The funds were released to the seller.",
        "The item was delivered; the complaint period has started.",
        "The buyer paid: add the tracking details.",
        "The other party joined your transaction.",
    ]
    assert all(n["target"] == f"basic/{tx['id']}" and n["user_id"] == str(seller.id) for n in seller_notes)
    assert len(buyer_notes) == 3 and "read" not in buyer_notes[0]
    first = buyer_notes[0]["id"]
    marked = await client.post(f"{TP}/notifications/{first}/mark_as_read", headers=buyer.h)
    assert marked.status_code == 200 and marked.json()["read"].endswith("Z")
    error(await client.get(f"{TP}/notifications/{first}", headers=seller.h), 404, "not_found")
    page = await client.get(f"{TP}/me/notifications", params={"after_id": first, "limit": 1}, headers=buyer.h)
    assert [n["id"] for n in page.json()] == [buyer_notes[1]["id"]]

    # Webhooks: the client got each event code, signed (Standard Webhooks).
    await run_jobs()
    codes = [r.json()["code"] for r in receiver.received]
    assert codes == [
        "basic_tx.created",
        "basic_tx.joined",
        "basic_tx.paid",
        "basic_tx.tracked",
        "basic_tx.delivered",
        "basic_tx.funds_released",
    ]
    for received in receiver.received:
        verify_standard(hook["secret"], received)
        assert received.json()["target_id"] == str(tx["id"])


async def _row(platform, tx_id: int) -> EscrowTransaction:
    async with platform.db.transaction() as session:
        row = await session.get(EscrowTransaction, tx_id)
        assert row is not None
        return row


async def test_buyer_confirms_and_ends_complaint_period_early(client, platform, seller, buyer):
    tx = await delivered_tx(client, seller, buyer, price=2000)
    ended = await post(client, buyer, tx["id"], "end_complaint_period")
    assert ended.status_code == 200 and ended.json()["status"] == "funds_released"
    assert ended.json()["complaint_period_ended"]
    assert await balance(platform, accounts.seller_wallet(seller.id, "usd", False)) == (2000, 0)
    error(await post(client, buyer, tx["id"], "complain"), 400, "complaint_period_ended_prematurely")
    error(await post(client, buyer, tx["id"], "end_complaint_period"), 400, "complaint_period_ended_prematurely")
    await verify_ledger(platform)


@pytest.mark.parametrize("outcome", ["release", "refund"])
async def test_complaint_then_operator_decides(client, platform, seller, buyer, outcome, run_jobs):
    tx = await delivered_tx(client, seller, buyer, price=1000)
    error(
        await post(client, buyer, tx["id"], "complain_with_description", {"complaint_description": "  "}),
        400,
        "empty_complaint_description",
    )
    error(
        await post(client, seller, tx["id"], "complain_with_description", {"complaint_description": "x"}),
        403,
        "not_buyer",
    )
    complained = await post(
        client, buyer, tx["id"], "complain_with_description", {"complaint_description": "Arrived broken"}
    )
    assert complained.status_code == 200 and complained.json()["complaint"] == "Arrived broken"
    error(await post(client, buyer, tx["id"], "complain"), 400, "already_complained")
    error(await post(client, buyer, tx["id"], "end_complaint_period"), 400, "already_complained")
    clock.advance(timedelta(days=2))
    await run_jobs()  # the complaint period passing does not release a complained transaction
    assert (await _row(platform, tx["id"])).funds_released is None

    result = await op(platform, escrow_ops.resolve, transaction_id=tx["id"], outcome=outcome)
    wallet = await balance(platform, accounts.seller_wallet(seller.id, "usd", False))
    card = await balance(platform, accounts.card_payins_account("usd", False))
    if outcome == "release":
        assert result["status"] == "funds_released" and wallet == (1000, 0) and card == (-1050, 0)
    else:
        assert result["status"] == "funds_refunded" and result["amount_refunded"] == 1050
        assert wallet == (0, 0) and card == (0, 0)
        assert await balance(platform, accounts.fees_account("usd", False)) == (0, 0)
    from peerx.core.errors import Conflict

    with pytest.raises(Conflict):
        await op(platform, escrow_ops.resolve, transaction_id=tx["id"], outcome="refund")
    await verify_ledger(platform)


async def test_a_spec_client_complains_with_description_and_the_seller_accepts(client, platform, seller, buyer):
    """The public spec names the field `description` (the document `complaint_description`)."""
    tx = await delivered_tx(client, seller, buyer, price=1000)
    error(
        await post(client, buyer, tx["id"], "complain_with_description", {"description": " "}),
        400,
        "empty_complaint_description",
    )
    complained = await post(client, buyer, tx["id"], "complain_with_description", {"description": "Arrived broken"})
    assert complained.status_code == 200 and complained.json()["complaint"] == "Arrived broken"
    accepted = await post(client, seller, tx["id"], "accept_complaint")
    assert accepted.status_code == 200 and accepted.json()["status"] == "funds_refunded"
    assert accepted.json()["amount_refunded"] == 1050
    assert await balance(platform, accounts.seller_wallet(seller.id, "usd", False)) == (0, 0)
    await verify_ledger(platform)


async def test_seller_never_ships_buyer_refunded(client, platform, seller, buyer, run_jobs):
    tx = await paid_tx(client, seller, buyer)
    clock.advance(timedelta(days=7, seconds=1))
    error(
        await post(client, seller, tx["id"], "track", {"carrier": "ups", "tracking_code": "1Z"}),
        400,
        "tracking_details_deadline_expired",
    )
    await run_jobs()
    refunded = (await client.get(f"{TP}/transactions/{tx['id']}", headers=buyer.h)).json()
    assert refunded["status"] == "funds_refunded" and "payment_refunded" in refunded
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (0, 0)
    await verify_ledger(platform)


async def test_reject_and_cancel(client, platform, seller, buyer, oauth_client):
    tx = await new_tx(client, seller)
    error(
        await client.post(f"{TP}/transactions-by-join-code/{tx['join_code']}/reject", headers=seller.h),
        400,
        "cannot_join_own_transaction",
    )
    rejected = await client.post(f"{TP}/transactions-by-join-code/{tx['join_code']}/reject", headers=buyer.h)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected" and rejected.json()["rejected"]
    error(
        await client.put(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=buyer.h),
        400,
        "already_cancelled",
    )

    tx2 = await joined_tx(client, seller, buyer)
    cancelled = await post(client, seller, tx2["id"], "cancel")
    assert cancelled.status_code == 200 and cancelled.json()["cancelled"]
    error(await post(client, buyer, tx2["id"], "cancel"), 400, "already_cancelled")
    error(await post(client, buyer, tx2["id"], "pay", {"stripe_token": "tok_visa"}), 400, "already_cancelled")

    tx3 = await paid_tx(client, seller, buyer)
    error(await post(client, buyer, tx3["id"], "cancel"), 400, "already_paid")
    await post(client, seller, tx3["id"], "track", {"carrier": "usps", "tracking_code": "9400"})
    error(await post(client, buyer, tx3["id"], "cancel"), 400, "tracking_already_added")


async def test_join_errors(client, platform, seller, buyer, oauth_client):
    tx = await new_tx(client, seller)
    error(await client.get(f"{TP}/transactions", headers=buyer.h), 400, "join_code_missing")
    error(await client.put(f"{TP}/transactions", headers=buyer.h), 400, "join_code_missing")
    error(await client.get(f"{TP}/transactions", params={"join_code": "nope"}, headers=buyer.h), 404, "not_found")
    error(
        await client.put(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=seller.h),
        400,
        "cannot_join_own_transaction",
    )
    await client.put(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=buyer.h)
    third = await person(platform, oauth_client, "third@example.com")
    # A used code is an unknown one (test_join_codes.py).
    error(
        await client.put(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=third.h), 404, "not_found"
    )
    # Only the buyer and seller see a transaction by id.
    error(await client.get(f"{TP}/transactions/{tx['id']}", headers=third.h), 404, "not_found")
    error(await client.get(f"{TP}/transactions/abc", headers=buyer.h), 400, "invalid_id")


async def test_pay_errors_and_declined_card_leaves_nothing(client, platform, seller, buyer):
    tx = await new_tx(client, seller)
    buyer_created = await new_tx(client, buyer, role="buyer")
    error(
        await post(client, buyer, buyer_created["id"], "pay", {"stripe_token": "tok_visa"}),
        400,
        "second_party_not_joined",
    )
    await client.put(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=buyer.h)
    error(await post(client, seller, tx["id"], "pay", {"stripe_token": "tok_visa"}), 403, "not_buyer")
    events_before = await row_count(platform, EscrowNotification)
    error(await post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_chargeDeclined"}), 400, "card_declined")
    error(await post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_bogus"}), 400, "invalid_token")
    error(await post(client, buyer, tx["id"], "pay", {}), 400, "missing_stripe_token")
    assert (await _row(platform, tx["id"])).paid is None
    assert await row_count(platform, EscrowNotification) == events_before
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (0, 0)
    ok = await post(
        client,
        buyer,
        tx["id"],
        "pay",
        {"stripe_token": "tok_visa"},
    )
    assert ok.status_code == 200
    error(await post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_visa"}), 400, "already_paid")


async def test_track_and_delivery_errors(client, platform, seller, buyer):
    tx = await joined_tx(client, seller, buyer)
    error(await post(client, buyer, tx["id"], "track", {"carrier": "ups", "tracking_code": "1"}), 403, "not_seller")
    error(await post(client, seller, tx["id"], "track", {"carrier": "", "tracking_code": "1"}), 400, "empty_carrier")
    error(
        await post(client, seller, tx["id"], "track", {"carrier": "dhl", "tracking_code": "1"}), 400, "invalid_carrier"
    )
    error(
        await post(client, seller, tx["id"], "track", {"carrier": "ups", "tracking_code": " "}),
        400,
        "empty_tracking_code",
    )
    error(
        await post(client, seller, tx["id"], "track", {"carrier": "ups", "tracking_code": "1"}),
        400,
        "payment_details_not_added",
    )
    error(await post(client, buyer, tx["id"], "confirm_delivery"), 400, "tracking_not_added")
    error(await post(client, buyer, tx["id"], "complain"), 400, "unconfirmed_delivery")
    error(await post(client, buyer, tx["id"], "end_complaint_period"), 400, "unconfirmed_delivery")
    await post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_mastercard"})
    await post(client, seller, tx["id"], "track", {"carrier": "ups", "tracking_code": "IN-TRANSIT"})
    error(
        await post(client, seller, tx["id"], "track", {"carrier": "ups", "tracking_code": "2"}),
        400,
        "tracking_already_added",
    )
    error(await post(client, seller, tx["id"], "confirm_delivery"), 403, "not_buyer")
    assert (await post(client, buyer, tx["id"], "confirm_delivery")).status_code == 200
    error(await post(client, buyer, tx["id"], "confirm_delivery"), 400, "delivery_already_set")
    clock.advance(timedelta(hours=24, seconds=1))
    error(await post(client, buyer, tx["id"], "complain"), 400, "complaint_period_expired")
    error(await post(client, buyer, tx["id"], "end_complaint_period"), 400, "complaint_period_expired")
    error(await post(client, buyer, tx["id"], "end_complaint_period"), 400, "complaint_period_expired")


async def test_listing_and_paging(client, platform, seller, buyer):
    ids = [(await new_tx(client, seller, price=1000 + i))["id"] for i in range(3)]
    listed = (await client.get(f"{TP}/me/transactions", headers=seller.h)).json()
    assert [t["id"] for t in listed] == ids[::-1]
    after = await client.get(f"{TP}/me/transactions", params={"after_id": ids[2], "limit": 1}, headers=seller.h)
    assert [t["id"] for t in after.json()] == [ids[1]]
    assert (await client.get(f"{TP}/me/transactions", headers=buyer.h)).json() == []
    error(await client.get(f"{TP}/me/transactions", params={"limit": 51}, headers=seller.h), 400, "invalid_limit")
    error(await client.get(f"{TP}/me/transactions", params={"limit": 0}, headers=seller.h), 400, "invalid_limit")
    error(await client.get(f"{TP}/me/transactions", params={"after_id": -1}, headers=seller.h), 400, "invalid_after_id")
    error(await client.get(f"{TP}/me/notifications", params={"limit": "x"}, headers=seller.h), 400, "invalid_limit")


async def test_idempotency_key_replays_create(client, platform, seller):
    quote = (await client.get(f"{TP}/charge", params={"price": 1500, "currency": "usd"}, headers=seller.h)).json()
    body = {
        "role": "seller",
        "currency": "usd",
        "price": 1500,
        "description": "Bike",
        "charge": quote["charge"],
        "charge_calculator_version": quote["charge_calculator_version"],
    }
    headers = {**seller.h, "Idempotency-Key": "k-1"}
    first = await client.post(f"{TP}/me/transactions", json=body, headers=headers)
    again = await client.post(f"{TP}/me/transactions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.text == again.text
    assert again.headers["idempotent-replayed"] == "true"
    other = await client.post(f"{TP}/me/transactions", json={**body, "price": 1600}, headers=headers)
    error(other, 400, "idempotency_key_reused")
    assert await row_count(platform, EscrowTransaction) == 1


async def test_personal_details(client, seller):
    put = await client.put(
        f"{TP}/me/personal",
        headers=seller.h,
        json={
            "name": {"first": "Sam", "last": "Seller"},
            "address": {"city": "Dublin", "line1": "1 Main St", "country_code": "IE"},
            "dob": {"day": 1, "month": 2, "year": 1990},
        },
    )
    assert put.status_code == 200 and put.json()["address"]["city"] == "Dublin"
    error(
        await client.put(f"{TP}/me/personal", headers=seller.h, json={"dob": {"day": 31, "month": 2, "year": 1990}}),
        400,
        "invalid_dob",
    )
    tos = await client.post(
        f"{TP}/me/accept_tos",
        headers=seller.h,
        json={"unix_timestamp": 1700000000, "ip": "203.0.113.9", "user_agent": "test"},
    )
    assert tos.json()["tos_acceptance"] == {"unix_timestamp": 1700000000, "ip": "203.0.113.9", "user_agent": "test"}
    got = (await client.get(f"{TP}/me/personal", headers=seller.h)).json()
    assert got["name"] == {"first": "Sam", "last": "Seller"} and got["dob"] == {"day": 1, "month": 2, "year": 1990}
    ok = await client.post(f"{TP}/me/personal/set_active_country", headers=seller.h, json={"country_code": "ie"})
    assert ok.status_code == 200
    error(
        await client.post(f"{TP}/me/personal/set_active_country", headers=seller.h, json={"country_code": "x"}),
        400,
        "invalid_country_code",
    )
