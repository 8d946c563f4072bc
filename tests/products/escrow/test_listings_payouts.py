"""Single-use listings (online and p2p) and the credit account with payouts of released funds
through the payout rails (sandbox in test mode), over HTTP."""

from __future__ import annotations

from datetime import timedelta

from peerx.core.clock import clock
from peerx.products.escrow import accounts, repository
from peerx.products.escrow.models import EscrowListing, EscrowPayout
from tests.fixtures.factories.escrow import TP, balance, delivered_tx, error
from tests.fixtures.ledger import row_count, verify_ledger
from tests.products.escrow.test_p2p import P2P


async def test_online_listing_lifecycle(client, platform, seller, buyer):
    created = await client.post(f"{TP}/me/single_use_listings", headers=seller.h)
    assert created.status_code == 200 and created.json()["creator_id"] == str(seller.id)
    lid = created.json()["id"]
    error(
        await client.post(f"{TP}/single_use_listings/{lid}/create_transaction", headers=buyer.h),
        400,
        "listing_not_priced",
    )
    described = await client.post(
        f"{TP}/single_use_listings/{lid}/set_description", json={"listing_description": "Guitar"}, headers=seller.h
    )
    assert described.json()["description"] == "Guitar"
    error(
        await client.post(
            f"{TP}/single_use_listings/{lid}/set_description", json={"listing_description": "x"}, headers=buyer.h
        ),
        403,
        "not_seller",
    )
    bad = {"currency": "usd", "price": 2000, "charge": 1, "charge_calculator_version": 1}
    error(
        await client.post(f"{TP}/single_use_listings/{lid}/set_pricing", json=bad, headers=seller.h),
        400,
        "incorrect_charge",
    )
    good = {"currency": "usd", "price": 2000, "charge": 100, "charge_calculator_version": 1}
    priced = await client.post(f"{TP}/single_use_listings/{lid}/set_pricing", json=good, headers=seller.h)
    assert priced.json()["pricing"] == {"price": 2000, "charge": 100} and priced.json()["currency"] == "usd"
    seen = await client.get(f"{TP}/single_use_listings/{lid}", headers=buyer.h)
    assert seen.status_code == 200 and seen.json()["description"] == "Guitar"
    error(
        await client.post(f"{TP}/single_use_listings/{lid}/create_transaction", headers=seller.h),
        400,
        "cannot_join_own_transaction",
    )
    tx = await client.post(f"{TP}/single_use_listings/{lid}/create_transaction", headers=buyer.h)
    assert tx.status_code == 200 and tx.json()["status"] == "joined"
    assert tx.json()["seller_id"] == seller.id and tx.json()["buyer_id"] == buyer.id and tx.json()["price"] == 2000
    error(
        await client.post(f"{TP}/single_use_listings/{lid}/create_transaction", headers=buyer.h),
        400,
        "listing_already_used",
    )
    error(await client.delete(f"{TP}/single_use_listings/{lid}", headers=seller.h), 400, "listing_already_used")

    other = (await client.post(f"{TP}/me/single_use_listings", headers=seller.h)).json()["id"]
    assert (await client.delete(f"{TP}/single_use_listings/{other}", headers=seller.h)).status_code == 200
    error(await client.get(f"{TP}/single_use_listings/{other}", headers=seller.h), 404, "not_found")
    error(await client.get(f"{TP}/single_use_listings/abc", headers=seller.h), 400, "invalid_id")
    # A p2p listing is not an online one.
    error(await client.get(f"{P2P}/single_use_listings/{lid}", headers=seller.h), 404, "not_found")


async def test_p2p_listing(client, platform, seller, buyer):
    created = await client.post(
        f"{P2P}/me/single_use_listings",
        json={"currency": "usd", "description": "Sofa", "depositPricing": {"price": 1000, "charge": 50}},
        headers=seller.h,
    )
    assert created.status_code == 200 and created.json()["deposit_pricing"] == {"price": 1000, "charge": 50}
    lid = created.json()["id"]
    error(
        await client.post(
            f"{P2P}/me/single_use_listings",
            json={"currency": "usd", "depositPricing": {"price": 1000, "charge": 7}},
            headers=seller.h,
        ),
        400,
        "incorrect_charge",
    )
    assert await row_count(platform, EscrowListing) == 1
    d = await client.post(
        f"{P2P}/single_use_listings/{lid}/set_description", json={"listing_description": "Red sofa"}, headers=seller.h
    )
    assert d.json()["description"] == "Red sofa"
    tx = await client.post(f"{P2P}/single_use_listings/{lid}/create_transaction", headers=buyer.h)
    assert tx.status_code == 200 and tx.json()["status"] == "joined" and tx.json()["description"] == "Red sofa"
    assert tx.json()["listing_id"] == str(lid) and tx.json()["buyer_id"] == buyer.id
    error(
        await client.post(f"{P2P}/single_use_listings/{lid}/create_transaction", headers=buyer.h),
        400,
        "listing_already_used",
    )
    unpriced = (await client.post(f"{P2P}/me/single_use_listings", headers=seller.h)).json()["id"]
    error(
        await client.post(f"{P2P}/single_use_listings/{unpriced}/create_transaction", headers=buyer.h),
        400,
        "listing_not_priced",
    )
    assert (await client.delete(f"{P2P}/single_use_listings/{unpriced}", headers=seller.h)).status_code == 200


async def test_credit_account_errors(client, seller):
    error(await client.post(f"{TP}/me/credit_account", json={}, headers=seller.h), 400, "parameter_missing")
    error(
        await client.post(f"{TP}/me/credit_account", json={"type": "cheque"}, headers=seller.h),
        400,
        "invalid_account_type",
    )
    error(
        await client.post(f"{TP}/me/credit_account", json={"type": "bank"}, headers=seller.h),
        400,
        "bank_details_missing",
    )
    bank = {"account_number": "x", "country_code": "US", "currency": "usd", "routing_number": "110000000"}
    error(
        await client.post(f"{TP}/me/credit_account", json={"type": "bank", "bank_details": bank}, headers=seller.h),
        400,
        "account_number_invalid",
    )
    bank = {**bank, "account_number": "000123456789", "routing_number": "12"}
    error(
        await client.post(f"{TP}/me/credit_account", json={"type": "bank", "bank_details": bank}, headers=seller.h),
        400,
        "routing_number_invalid",
    )


async def test_released_funds_are_paid_out(client, platform, seller, buyer, run_jobs):
    # Released before a credit account exists: the balance waits in the wallet.
    tx = await delivered_tx(client, seller, buyer, price=2000)
    await client.post(f"{TP}/transactions/{tx['id']}/end_complaint_period", headers=buyer.h)
    wallet = accounts.seller_wallet(seller.id, "usd", False)
    assert await balance(platform, wallet) == (2000, 0)
    bank = {"account_number": "000123456789", "country_code": "US", "currency": "usd", "routing_number": "110000000"}
    added = await client.post(f"{TP}/me/credit_account", json={"type": "bank", "bank_details": bank}, headers=seller.h)
    assert added.status_code == 200
    assert added.json() == {
        "bank_account": {"country": "US", "currency_alpha_2": "usd", "last4": "6789", "routing": "110000000"}
    }
    assert await balance(platform, wallet) == (2000, 2000)  # held for the payout
    await run_jobs()
    assert await balance(platform, wallet) == (0, 0)
    assert await balance(platform, accounts.in_flight_account("usd", False)) == (2000, 0)
    async with platform.db.transaction() as session:
        (row,) = await repository.payouts(session, seller.id)
        assert row.status == "succeeded" and row.rail == "sandbox" and row.amount == 2000
        assert "000123456789" not in row.account_secret  # encrypted
    # Later releases go out on their own.
    tx2 = await delivered_tx(client, seller, buyer, price=1000)
    clock.advance(timedelta(hours=24, seconds=1))
    await run_jobs()
    assert (await client.get(f"{TP}/transactions/{tx2['id']}", headers=seller.h)).json()["status"] == "funds_released"
    await run_jobs()
    assert await row_count(platform, EscrowPayout) == 2
    assert await balance(platform, accounts.in_flight_account("usd", False)) == (3000, 0)
    notes = (await client.get(f"{TP}/me/notifications", headers=seller.h)).json()
    assert notes[0]["description"] == "Your payout was sent to your bank account."
    await verify_ledger(platform)


async def test_failed_payout_returns_money_to_balance(client, platform, seller, buyer, run_jobs):
    bank = {"account_number": "00011111", "country_code": "IE", "currency": "usd"}  # sandbox: payee not found
    assert (
        await client.post(f"{TP}/me/credit_account", json={"type": "bank", "bank_details": bank}, headers=seller.h)
    ).status_code == 200
    tx = await delivered_tx(client, seller, buyer, price=2000)
    await client.post(f"{TP}/transactions/{tx['id']}/end_complaint_period", headers=buyer.h)
    await run_jobs()
    assert await balance(platform, accounts.seller_wallet(seller.id, "usd", False)) == (2000, 0)
    async with platform.db.transaction() as session:
        (row,) = await repository.payouts(session, seller.id)
        assert row.status == "failed" and row.failure_reason == "PAYEE_NOT_FOUND"
    await verify_ledger(platform)
