"""The spec-only endpoints beyond the document, over HTTP: a face-to-face transaction whose deposit
is the whole price (skip_remainder), the seller accepting a complaint (online and p2p: the buyer
is refunded), buyer_details / seller_details, and paging back with before_id."""

from __future__ import annotations

from datetime import timedelta

from peerx.core.clock import clock
from peerx.products.escrow import accounts
from tests.fixtures.factories.escrow import TP, balance, delivered_tx, error, new_tx, post
from tests.fixtures.ledger import verify_ledger
from tests.products.escrow.test_p2p import P2P, _row, accepted, joined, new_p2p, price, remainder_paid, step

# The spec's flat create body (the document nests the deposit in depositPricing).
FLAT_P2P = {
    "role": "seller",
    "currency": "usd",
    "description": "Lamp",
    "deposit_price": 1000,
    "deposit_charge": 50,
    "charge_calculator_version": 1,
}


async def test_skip_remainder_the_deposit_is_the_price(client, platform, seller, buyer, run_jobs):
    tx = await accepted(client, seller, buyer)
    error(await step(client, buyer, tx["id"], "skip_remainder"), 403, "not_seller")
    skipped = await step(client, seller, tx["id"], "skip_remainder")
    assert skipped.status_code == 200, skipped.text
    body = skipped.json()
    assert body["skip_remainder"] is True and body["remainder_skipped"] and body["priced"]
    assert body["pricing"]["price"] == 1000 and body["pricing"]["charge"] == 50
    error(await step(client, seller, tx["id"], "skip_remainder"), 400, "price_already_set")
    error(await price(client, seller, tx["id"], 5000), 400, "remainder_already_skipped")
    error(
        await step(client, buyer, tx["id"], "pay_remainder", {"stripe_charge_token": "tok_visa"}),
        400,
        "remainder_already_skipped",
    )
    # Everything is held, so neither party can walk away; the handover comes next.
    error(await step(client, buyer, tx["id"], "cancel"), 400, "remainder_already_paid")
    assert (await step(client, seller, tx["id"], "confirm_handover")).status_code == 200
    both = await step(client, buyer, tx["id"], "confirm_handover")
    assert both.json()["status"] == "handover_confirmed"

    clock.advance(timedelta(hours=24, seconds=1))
    await run_jobs()
    done = (await client.get(f"{P2P}/transactions/{tx['id']}", headers=seller.h)).json()
    assert done["status"] == "funds_released"
    assert await balance(platform, accounts.seller_wallet(seller.id, "usd", False)) == (1000, 0)
    assert await balance(platform, accounts.fees_account("usd", False)) == (50, 0)
    assert await balance(platform, accounts.escrow_account(await _row(platform, tx["id"]))) == (0, 0)
    await verify_ledger(platform)


async def test_skip_remainder_at_creation_then_complaint_refunds_the_deposit(client, platform, seller, buyer):
    body = {**FLAT_P2P, "skip_remainder": True}
    resp = await client.post(f"{P2P}/me/transactions", json=body, headers=seller.h)
    assert resp.status_code == 201 and resp.json()["skip_remainder"] is True, resp.text
    tx = resp.json()
    error(
        await client.post(f"{P2P}/me/transactions", json={**body, "skip_remainder": "yes"}, headers=seller.h),
        400,
        "invalid_skip_remainder",
    )
    await client.post(f"{P2P}/transactions_by_join_code/{tx['join_code']}/join", headers=buyer.h)
    assert (await step(client, buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"})).status_code == 200
    error(await step(client, buyer, tx["id"], "complain"), 400, "remainder_required")  # not accepted yet
    assert (await step(client, seller, tx["id"], "accept_deposit")).status_code == 200
    assert (await step(client, buyer, tx["id"], "complain", {"description": "Broken"})).status_code == 200
    refunded = await step(client, seller, tx["id"], "accept_complaint")
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["status"] == "funds_refunded" and refunded.json()["amount_refunded"] == 1050
    assert refunded.json()["refunded"]
    error(await step(client, seller, tx["id"], "accept_complaint"), 400, "funds_already_released")
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (0, 0)
    assert await balance(platform, accounts.seller_wallet(seller.id, "usd", False)) == (0, 0)
    await verify_ledger(platform)


async def test_online_seller_accepts_the_complaint(client, platform, seller, buyer):
    tx = await delivered_tx(client, seller, buyer)
    assert (await post(client, buyer, tx["id"], "complain_with_description", {"complaint_description": "x"})).is_success
    error(await post(client, buyer, tx["id"], "accept_complaint"), 403, "not_seller")
    refunded = await post(client, seller, tx["id"], "accept_complaint")
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["status"] == "funds_refunded" and refunded.json()["amount_refunded"] == 1234 + 62
    notes = (await client.get(f"{TP}/me/notifications", headers=buyer.h)).json()
    assert notes[0]["description"] == "The payment was refunded to the buyer."
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (0, 0)
    assert await balance(platform, accounts.fees_account("usd", False)) == (0, 0)
    await verify_ledger(platform)


async def test_p2p_seller_accepts_the_complaint(client, platform, seller, buyer):
    tx = await remainder_paid(client, seller, buyer)
    assert (await step(client, buyer, tx["id"], "complain", {"complaint_description": "Wrong bike"})).is_success
    refunded = await step(client, seller, tx["id"], "accept_complaint")
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["status"] == "funds_refunded" and refunded.json()["amount_refunded"] == 5250
    assert await balance(platform, accounts.escrow_account(await _row(platform, tx["id"]))) == (0, 0)
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (0, 0)
    await verify_ledger(platform)


async def test_party_details(client, seller, buyer):
    online = await new_tx(client, seller)
    error(await client.get(f"{TP}/transactions/{online['id']}/buyer_details", headers=seller.h), 404, "not_found")
    await client.put(f"{TP}/transactions", params={"join_code": online["join_code"]}, headers=buyer.h)
    for prefix, tx_id in ((TP, online["id"]), (P2P, (await joined(client, seller, buyer))["id"])):
        got = await client.get(f"{prefix}/transactions/{tx_id}/buyer_details", headers=seller.h)
        assert got.json() == {"email": "buyer@example.com", "name": "A B"}
        got = await client.get(f"{prefix}/transactions/{tx_id}/seller_details", headers=buyer.h)
        assert got.json() == {"email": "seller@example.com", "name": "A B"}


async def test_paging_back_with_before_id(client, seller):
    ids = [(await new_tx(client, seller))["id"] for _ in range(4)]
    p2p_ids = [(await new_p2p(client, seller))["id"] for _ in range(4)]
    for path, made in (("/me/transactions", ids), ("/p2p/me/transactions", p2p_ids)):
        newest_first = list(reversed(made))
        page = (await client.get(f"{TP}{path}", params={"after_id": made[2], "limit": 2}, headers=seller.h)).json()
        assert [t["id"] for t in page] == newest_first[2:4]
        back = (await client.get(f"{TP}{path}", params={"before_id": made[1], "limit": 2}, headers=seller.h)).json()
        assert [t["id"] for t in back] == [made[3], made[2]]  # the page just before, still newest first
        both = await client.get(f"{TP}{path}", params={"before_id": made[0], "after_id": made[3]}, headers=seller.h)
        assert [t["id"] for t in both.json()] == [made[2], made[1]]
    notes = (await client.get(f"{TP}/me/notifications", params={"before_id": 0}, headers=seller.h)).json()
    assert notes == []  # creating notifies nobody
