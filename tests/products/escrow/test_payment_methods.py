"""The spec's payment-method operations: GET /transactions/{id}/charge (the quote for the
transaction's currency), POST /transactions/{id}/set_payment_method and the face-to-face
set_deposit_payment_method. The transaction's fees become the current calculator's quote for
the method; what the buyer then pays (and what the ledger holds) follows them."""

from __future__ import annotations

from peerx.products.escrow.models import EscrowP2PTransaction, EscrowTransaction
from tests.fixtures.factories.escrow import TP, error, joined_tx, new_charge_version, post
from tests.products.escrow.test_p2p import P2P, joined, step


async def test_online_charge_then_set_payment_method(client, platform, seller, buyer):
    tx = await joined_tx(client, seller, buyer, price=2000)
    assert (tx["charge"], tx["charge_calculator_version"]) == (100, 1)
    url = f"{TP}/transactions/{tx['id']}"

    quote = await client.get(f"{url}/charge", params={"price": 2000}, headers=buyer.h)
    assert quote.status_code == 200, quote.text
    assert quote.json() == {
        "currency": "usd",
        "price": 2000,
        "charge": 100,
        "charge_seller": 0,
        "charge_buyer_client": 0,
        "charge_seller_client": 0,
        "charge_postage_buyer": 0,
        "charge_postage_client": 0,
        "charge_calculator_version": 1,
        "charge_config": 1,
        "payment_method": "card",
    }
    body = {"payment_method": "card", "currency": "usd", "price": 2000, "charge": 100, "charge_seller": 0}
    error(await post(client, buyer, tx["id"], "set_payment_method", body), 400, "payment_method_already_set")

    # The operator publishes a new calculator version: the buyer re-quotes and sets it.
    version = await new_charge_version(platform, "online", "3")
    quote = (await client.get(f"{url}/charge", params={"price": 2000}, headers=seller.h)).json()
    assert (quote["charge"], quote["charge_calculator_version"]) == (60, version)
    error(await post(client, seller, tx["id"], "set_payment_method", {**body, "charge": 60}), 403, "not_buyer")
    error(await post(client, buyer, tx["id"], "set_payment_method", body), 400, "incorrect_charge")
    error(await post(client, buyer, tx["id"], "set_payment_method", {**body, "price": 1999}), 400, "incorrect_price")
    error(
        await post(client, buyer, tx["id"], "set_payment_method", {**body, "currency": "eur"}),
        400,
        "incorrect_currency",
    )
    error(
        await post(client, buyer, tx["id"], "set_payment_method", {**body, "payment_method": "cash"}),
        400,
        "invalid_payment_method",
    )
    error(
        await post(client, buyer, tx["id"], "set_payment_method", {**body, "payment_method": "bank_transfer"}),
        400,
        "unsupported_combination",
    )
    error(
        await post(client, buyer, tx["id"], "set_payment_method", {**body, "charge": 60, "charge_config": 2}),
        400,
        "invalid_charge_config",
    )
    async with platform.db.transaction() as session:  # nothing refused was written
        row = await session.get(EscrowTransaction, tx["id"])
        assert row is not None and (row.charge, row.charge_calculator_version) == (100, 1)

    done = await post(client, buyer, tx["id"], "set_payment_method", {**body, "charge": 60})
    assert done.status_code == 200, done.text
    assert (done.json()["charge"], done.json()["charge_calculator_version"]) == (60, version)
    error(
        await post(client, buyer, tx["id"], "set_payment_method", {**body, "charge": 60}),
        400,
        "payment_method_already_set",
    )

    paid = await post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_visa"})
    assert paid.status_code == 200 and paid.json()["charge"] == 60
    error(await post(client, buyer, tx["id"], "set_payment_method", {**body, "charge": 60}), 400, "already_paid")
    error(
        await client.get(f"{url}/charge", params={"price": 2000, "payment_method": "x"}, headers=buyer.h),
        400,
        "invalid_payment_method",
    )
    missing = await client.get(f"{TP}/transactions/999999/charge", params={"price": 2000}, headers=buyer.h)
    assert missing.status_code == 404


async def test_set_deposit_payment_method(client, platform, seller, buyer):
    tx = await joined(client, seller, buyer, deposit=1000)
    body = {
        "payment_method": "card",
        "currency": "usd",
        "deposit_price": 1000,
        "deposit_charge": 50,
        "deposit_charge_seller": 0,
    }
    error(await step(client, buyer, tx["id"], "set_deposit_payment_method", body), 400, "payment_method_already_set")
    version = await new_charge_version(platform, "p2p", "4")
    error(await step(client, buyer, tx["id"], "set_deposit_payment_method", body), 400, "incorrect_charge")
    error(
        await step(client, buyer, tx["id"], "set_deposit_payment_method", {**body, "deposit_price": 900}),
        400,
        "incorrect_price",
    )
    done = await step(client, seller, tx["id"], "set_deposit_payment_method", {**body, "deposit_charge": 40})
    assert done.status_code == 200, done.text
    assert done.json()["deposit_pricing"]["charge"] == 40
    async with platform.db.transaction() as session:
        row = await session.get(EscrowP2PTransaction, tx["id"])
        assert row is not None and (row.deposit_calc_version, row.deposit_payment_method) == (version, "card")
    paid = await step(client, buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"})
    assert paid.status_code == 200 and paid.json()["deposit_pricing"]["charge"] == 40
    error(
        await step(client, buyer, tx["id"], "set_deposit_payment_method", {**body, "deposit_charge": 40}),
        400,
        "deposit_already_paid",
    )
    assert (await client.get(f"{P2P}/transactions/{tx['id']}", headers=buyer.h)).json()["status"] == "deposit_paid"


async def test_create_takes_the_specs_payment_method_fields(client, seller):
    online = {
        "role": "seller",
        "currency": "usd",
        "price": 2000,
        "description": "Lamp",
        "charge": 100,
        "charge_calculator_version": 1,
    }
    made = await client.post(f"{TP}/me/transactions", json={**online, "payment_method": "card"}, headers=seller.h)
    assert made.status_code == 201, made.text
    refused = await client.post(f"{TP}/me/transactions", json={**online, "payment_method": "cash"}, headers=seller.h)
    error(refused, 400, "invalid_payment_method")
    assert "payment_method" in refused.json()["error"]
    refused = await client.post(
        f"{TP}/me/transactions", json={**online, "payment_method": "bank_transfer"}, headers=seller.h
    )
    error(refused, 400, "unsupported_combination")

    deposit = {
        "role": "seller",
        "currency": "usd",
        "description": "Sofa",
        "deposit_price": 1000,
        "deposit_charge": 50,
        "charge_calculator_version": 1,
    }
    made = await client.post(
        f"{P2P}/me/transactions", json={**deposit, "deposit_payment_method": "card"}, headers=seller.h
    )
    assert made.status_code == 201, made.text
    refused = await client.post(
        f"{P2P}/me/transactions", json={**deposit, "deposit_payment_method": "fpx"}, headers=seller.h
    )
    error(refused, 400, "unsupported_combination")
    refused = await client.post(
        f"{P2P}/me/transactions", json={**deposit, "deposit_payment_method": "x"}, headers=seller.h
    )
    error(refused, 400, "invalid_payment_method")
    assert "deposit_payment_method" in refused.json()["error"]
