"""Face to face over HTTP: deposit, acceptance, price, remainder, handover by both, complaint
period, release; cancel and refund paths; the deposit-acceptance deadline; every error code the
spec lists for these endpoints; balances, ledger, notifications and webhooks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from peerx.core.clock import clock
from peerx.ops import actions
from peerx.ops.escrow import actions as escrow_ops
from peerx.products.escrow import accounts
from peerx.products.escrow.models import EscrowP2PTransaction
from tests.fixtures.factories.escrow import TP, Person, balance, error, op, person
from tests.fixtures.ledger import row_count, verify_ledger
from tests.fixtures.receiver import verify_standard

P2P = f"{TP}/p2p"


async def new_p2p(client: httpx.AsyncClient, creator: Person, *, role: str = "seller", deposit: int = 1000) -> Any:
    quote = (await client.get(f"{P2P}/charge", params={"price": deposit, "currency": "usd"}, headers=creator.h)).json()
    resp = await client.post(
        f"{P2P}/me/transactions",
        json={
            "role": role,
            "currency": "usd",
            "description": "Bicycle",
            "depositPricing": {"price": deposit, "charge": quote["charge"]},
        },
        headers=creator.h,
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


async def step(client: httpx.AsyncClient, who: Person, tx_id: int, name: str, body: Any = None) -> httpx.Response:
    return await client.post(f"{P2P}/transactions/{tx_id}/{name}", json=body, headers=who.h)


async def joined(client: httpx.AsyncClient, seller: Person, buyer: Person, deposit: int = 1000) -> Any:
    tx = await new_p2p(client, seller, deposit=deposit)
    resp = await client.post(f"{P2P}/transactions_by_join_code/{tx['join_code']}/join", headers=buyer.h)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def accepted(client: httpx.AsyncClient, seller: Person, buyer: Person) -> Any:
    tx = await joined(client, seller, buyer)
    assert (await step(client, buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"})).status_code == 200
    resp = await step(client, seller, tx["id"], "accept_deposit")
    assert resp.status_code == 200, resp.text
    return resp.json()


async def price(client: httpx.AsyncClient, seller: Person, tx_id: int, amount: int) -> httpx.Response:
    quote = (await client.get(f"{P2P}/charge", params={"price": amount, "currency": "usd"}, headers=seller.h)).json()
    return await step(
        client,
        seller,
        tx_id,
        "set_price",
        {
            "currency": "usd",
            "price": amount,
            "charge": quote["charge"],
            "charge_calculator_version": quote["charge_calculator_version"],
        },
    )


async def remainder_paid(client: httpx.AsyncClient, seller: Person, buyer: Person) -> Any:
    tx = await accepted(client, seller, buyer)
    assert (await price(client, seller, tx["id"], 5000)).status_code == 200
    resp = await step(client, buyer, tx["id"], "pay_remainder", {"stripe_charge_token": "tok_visa"})
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _row(platform: Any, tx_id: int) -> EscrowP2PTransaction:
    async with platform.db.transaction() as session:
        row = await session.get(EscrowP2PTransaction, tx_id)
        assert row is not None
        return row


async def test_face_to_face_happy_path(client, platform, seller, buyer, oauth_client, receiver, run_jobs):
    hook = await op(
        platform,
        actions.add_webhook,
        account_id=oauth_client["account_id"],
        url=receiver.url,
        livemode=False,
        surface="trustap",
    )
    quote = await client.get(f"{P2P}/charge", params={"price": 1000, "currency": "usd"}, headers=seller.h)
    assert quote.json()["charge"] == 50 and quote.json()["charge_calculator_version"] == 1
    tx = await new_p2p(client, seller)
    assert tx["status"] == "created" and tx["deposit_pricing"]["price"] == 1000
    assert tx["deposit_pricing"]["charge"] == 50 and "buyer_id" not in tx and "joined" not in tx
    seen = await client.get(f"{P2P}/me/transactions_by_join_code/{tx['join_code']}", headers=buyer.h)
    assert seen.status_code == 200 and seen.json()["id"] == tx["id"]
    j = (await client.post(f"{P2P}/transactions_by_join_code/{tx['join_code']}/join", headers=buyer.h)).json()
    assert j["buyer_id"] == buyer.id and j["status"] == "joined"

    dep = await step(client, buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"})
    assert dep.status_code == 200 and dep.json()["status"] == "deposit_paid" and dep.json()["deposit_paid"]
    escrow = accounts.escrow_account(await _row(platform, tx["id"]))
    assert await balance(platform, escrow) == (1050, 1050)
    acc = await step(client, seller, tx["id"], "accept_deposit")
    assert acc.json()["status"] == "deposit_accepted" and acc.json()["deposit_accepted"]
    priced = await price(client, seller, tx["id"], 5000)
    assert priced.status_code == 200 and priced.json()["pricing"]["price"] == 5000
    assert priced.json()["pricing"]["charge"] == 250
    rem = await step(client, buyer, tx["id"], "pay_remainder", {"stripe_charge_token": "tok_mastercard"})
    assert rem.status_code == 200 and rem.json()["status"] == "remainder_paid"
    assert await balance(platform, escrow) == (5250, 5250)  # 4000 + 200 more

    details = await client.get(f"{P2P}/transactions/{tx['id']}/buyer_details", headers=seller.h)
    assert details.json() == {"email": "buyer@example.com", "name": "A B"}
    one = await step(client, seller, tx["id"], "confirm_handover")
    assert one.json()["seller_handover_confirmed"] and "complaint_period_deadline" not in one.json()
    both = await step(client, buyer, tx["id"], "confirm_handover")
    assert both.json()["status"] == "handover_confirmed" and both.json()["complaint_period_deadline"]

    clock.advance(timedelta(hours=24, seconds=1))
    await run_jobs()
    done = (await client.get(f"{P2P}/transactions/{tx['id']}", headers=seller.h)).json()
    assert done["status"] == "funds_released" and done["funds_released"] == done["funds_release"]
    assert await balance(platform, accounts.seller_wallet(seller.id, "usd", False)) == (5000, 0)
    assert await balance(platform, accounts.fees_account("usd", False)) == (250, 0)
    assert await balance(platform, escrow) == (0, 0)
    await verify_ledger(platform)

    notes = (await client.get(f"{TP}/me/notifications", headers=seller.h)).json()
    assert [n["description"] for n in notes] == [
        "The funds were released to the seller.",
        "The handover is confirmed; the complaint period has started.",
        "The buyer paid the remainder: hand the item over.",
        "The buyer paid the deposit: accept it.",
        "The other party joined your transaction.",
    ]
    assert all(n["target"] == f"p2p/{tx['id']}" for n in notes)
    buyer_notes = (await client.get(f"{TP}/me/notifications", headers=buyer.h)).json()
    assert [n["description"] for n in buyer_notes][-2:] == [
        "The seller set the price: pay the rest.",
        "The seller accepted your deposit.",
    ]
    await run_jobs()
    codes = [r.json()["code"] for r in receiver.received]
    assert codes == [
        "p2p_tx.created",
        "p2p_tx.joined",
        "p2p_tx.deposit_paid",
        "p2p_tx.deposit_accepted",
        "p2p_tx.priced",
        "p2p_tx.remainder_paid",
        "p2p_tx.handover_confirmed",
        "p2p_tx.handover_confirmed",
        "p2p_tx.funds_released",
    ]
    for received in receiver.received:
        verify_standard(hook["secret"], received)


async def test_deposit_not_accepted_in_time_is_refunded(client, platform, seller, buyer, run_jobs):
    tx = await joined(client, seller, buyer)
    await step(client, buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"})
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (-1050, 0)
    clock.advance(timedelta(days=2))
    await run_jobs()
    assert (await _row(platform, tx["id"])).cancelled is None
    clock.advance(timedelta(days=1, seconds=1))
    await run_jobs()
    got = (await client.get(f"{P2P}/transactions/{tx['id']}", headers=buyer.h)).json()
    assert got["status"] == "cancelled" and got["deposit_refunded"] and got["amount_refunded"] == 1050
    assert got["cancellation"] == {"reason": "deposit_not_accepted"}
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (0, 0)
    error(await step(client, seller, tx["id"], "accept_deposit"), 400, "already_cancelled")
    await verify_ledger(platform)


async def test_cancel_paths(client, platform, seller, buyer, oauth_client):
    # Not joined yet: the spec refuses a cancel.
    lone = await new_p2p(client, seller)
    error(await step(client, seller, lone["id"], "cancel"), 400, "second_party_not_joined")
    # Seller cancels after the deposit: the buyer gets it back.
    tx = await accepted(client, seller, buyer)
    cancelled = await step(client, seller, tx["id"], "cancel_with_description", {"description": "Sold elsewhere"})
    assert cancelled.status_code == 200 and cancelled.json()["cancellation"] == {"reason": "Sold elsewhere"}
    assert cancelled.json()["amount_refunded"] == 1050
    error(await step(client, buyer, tx["id"], "cancel"), 400, "already_cancelled")
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (0, 0)
    # Buyer walks away after the seller accepted: the deposit is the seller's.
    tx2 = await accepted(client, seller, buyer)
    walked = await step(client, buyer, tx2["id"], "cancel")
    assert walked.json()["status"] == "cancelled" and walked.json()["released_to_seller"] is True
    assert await balance(platform, accounts.seller_wallet(seller.id, "usd", False)) == (1000, 0)
    # After the remainder: no cancel.
    tx3 = await remainder_paid(client, seller, buyer)
    error(await step(client, buyer, tx3["id"], "cancel"), 400, "remainder_already_paid")
    await verify_ledger(platform)


async def test_complaint_then_operator_refunds(client, platform, seller, buyer, run_jobs):
    tx = await remainder_paid(client, seller, buyer)
    error(await step(client, seller, tx["id"], "complain"), 403, "not_buyer")
    c = await step(client, buyer, tx["id"], "complain", {"complaint_description": "Not as described"})
    assert c.status_code == 200 and c.json()["complaint"] == "Not as described"
    error(await step(client, buyer, tx["id"], "complain"), 400, "already_complained")
    error(await step(client, seller, tx["id"], "confirm_handover"), 400, "already_complained")
    result = await op(platform, escrow_ops.resolve, transaction_id=tx["id"], outcome="refund", p2p=True)
    assert result["status"] == "funds_refunded" and result["amount_refunded"] == 5250
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (0, 0)
    assert await balance(platform, accounts.fees_account("usd", False)) == (0, 0)
    error(await step(client, buyer, tx["id"], "complain"), 400, "funds_already_released")
    await run_jobs()  # the card refunds go out as jobs, after commit
    await verify_ledger(platform)


async def test_errors(client, platform, seller, buyer, oauth_client):
    third = await person(platform, oauth_client, "third@example.com")
    bad = await client.post(
        f"{P2P}/me/transactions",
        json={"role": "seller", "currency": "usd", "depositPricing": {"price": 1000, "charge": 1}},
        headers=seller.h,
    )
    error(bad, 400, "incorrect_charge")
    low = {"role": "seller", "currency": "usd", "depositPricing": {"price": 50, "charge": 3}}
    error(await client.post(f"{P2P}/me/transactions", json=low, headers=seller.h), 400, "price_too_low")
    neg = {"role": "seller", "currency": "usd", "depositPricing": {"price": -5, "charge": 0}}
    error(await client.post(f"{P2P}/me/transactions", json=neg, headers=seller.h), 400, "negative_price")
    old = {
        "role": "seller",
        "currency": "usd",
        "depositPricing": {"price": 1000, "charge": 50},
        "charge_calculator_version": 0,
    }
    error(await client.post(f"{P2P}/me/transactions", json=old, headers=seller.h), 400, "invalid_calc_version")
    assert await row_count(platform, EscrowP2PTransaction) == 0  # bad input leaves nothing behind
    error(await client.get(f"{P2P}/me/transactions", params={"limit": 51}, headers=seller.h), 400, "excessive_limit")
    error(await client.get(f"{P2P}/me/transactions", params={"limit": 0}, headers=seller.h), 400, "invalid_limit")
    error(
        await client.get(f"{P2P}/me/transactions", params={"after_id": "x"}, headers=seller.h), 400, "invalid_after_id"
    )

    tx = await new_p2p(client, seller)
    code = tx["join_code"]
    error(
        await client.post(f"{P2P}/transactions_by_join_code/{code}/join", headers=seller.h),
        400,
        "cannot_join_own_transaction",
    )
    error(await step(client, buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"}), 404, "not_found")
    await client.post(f"{P2P}/transactions_by_join_code/{code}/join", headers=buyer.h)
    # A used code is an unknown one (test_join_codes.py).
    error(await client.post(f"{P2P}/transactions_by_join_code/{code}/join", headers=third.h), 404, "not_found")
    error(await client.get(f"{P2P}/transactions/{tx['id']}", headers=third.h), 404, "not_found")
    error(await step(client, seller, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"}), 403, "not_buyer")
    error(await step(client, seller, tx["id"], "accept_deposit"), 400, "deposit_not_paid")
    error(await step(client, buyer, tx["id"], "pay_deposit", {}), 400, "missing_stripe_token")
    error(
        await step(client, buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_chargeDeclined"}),
        400,
        "card_declined",
    )
    assert (await _row(platform, tx["id"])).deposit_paid is None
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (0, 0)
    await step(client, buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"})
    error(
        await step(client, buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"}),
        400,
        "deposit_already_paid",
    )
    error(await step(client, buyer, tx["id"], "accept_deposit"), 403, "not_seller")
    error(await price(client, seller, tx["id"], 5000), 400, "deposit_not_accepted")
    error(
        await step(client, buyer, tx["id"], "pay_remainder", {"stripe_charge_token": "tok_visa"}),
        400,
        "deposit_not_accepted",
    )
    await step(client, seller, tx["id"], "accept_deposit")
    error(await step(client, seller, tx["id"], "accept_deposit"), 400, "deposit_already_accepted")
    error(
        await step(client, buyer, tx["id"], "pay_remainder", {"stripe_charge_token": "tok_visa"}), 400, "price_not_set"
    )
    error(await step(client, buyer, tx["id"], "confirm_handover"), 400, "remainder_required")
    error(await step(client, buyer, tx["id"], "complain"), 400, "remainder_required")
    error(await price(client, buyer, tx["id"], 5000), 403, "not_seller")
    error(await price(client, seller, tx["id"], 1000), 400, "remainder_too_low")
    wrong = {"currency": "eur", "price": 5000, "charge": 250, "charge_calculator_version": 1}
    error(await step(client, seller, tx["id"], "set_price", wrong), 400, "currency_mismatch")
    badcharge = {"currency": "usd", "price": 5000, "charge": 1, "charge_calculator_version": 1}
    error(await step(client, seller, tx["id"], "set_price", badcharge), 400, "incorrect_charge")
    await price(client, seller, tx["id"], 5000)
    await step(client, buyer, tx["id"], "pay_remainder", {"stripe_charge_token": "tok_visa"})
    error(
        await step(client, buyer, tx["id"], "pay_remainder", {"stripe_charge_token": "tok_visa"}),
        400,
        "remainder_already_paid",
    )
    await step(client, buyer, tx["id"], "confirm_handover")
    error(await step(client, buyer, tx["id"], "confirm_handover"), 400, "buyer_handover_already_confirmed")
    await step(client, seller, tx["id"], "confirm_handover")
    error(await step(client, seller, tx["id"], "confirm_handover"), 400, "seller_handover_already_confirmed")
    error(await step(client, seller, tx["id"], "cancel"), 400, "handover_already_confirmed")
    clock.advance(timedelta(hours=25))
    error(await step(client, buyer, tx["id"], "complain"), 400, "complaint_period_expired")

    rejected = await new_p2p(client, seller)
    r = await client.post(f"{P2P}/transactions_by_join_code/{rejected['join_code']}/reject", headers=buyer.h)
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["rejected"]
    error(
        await client.post(f"{P2P}/transactions_by_join_code/{rejected['join_code']}/join", headers=buyer.h),
        400,
        "already_cancelled",
    )
    listed = (await client.get(f"{P2P}/me/transactions", params={"limit": 1}, headers=seller.h)).json()
    assert [t["id"] for t in listed] == [rejected["id"]]


async def test_pay_deposit_idempotency_key_replays(client, platform, seller, buyer):
    tx = await joined(client, seller, buyer)
    headers = {**buyer.h, "Idempotency-Key": "dep-1"}
    body = {"stripe_charge_token": "tok_visa"}
    first = await client.post(f"{P2P}/transactions/{tx['id']}/pay_deposit", json=body, headers=headers)
    again = await client.post(f"{P2P}/transactions/{tx['id']}/pay_deposit", json=body, headers=headers)
    assert first.status_code == again.status_code == 200 and first.text == again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (-1050, 0)
    await verify_ledger(platform)
