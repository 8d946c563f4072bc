"""/charge and the versioned calculator: the document's fields, the spec's error codes, API keys
as the Basic auth user name, operator versions, and old versions still computable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from peerx.ops import actions
from peerx.ops.escrow import actions as escrow_ops
from peerx.products.escrow import charges
from peerx.products.escrow.models import EscrowTransaction
from tests.fixtures.factories.escrow import TP, error, op
from tests.fixtures.ledger import row_count


async def test_charge_with_bearer_token(client, seller):
    resp = await client.get(f"{TP}/charge", params={"price": 1234, "currency": "usd"}, headers=seller.h)
    assert resp.status_code == 200
    body = resp.json()
    # Built-in version 1: buyer 5% (61.7 -> 62, half up), seller 0.
    assert {k: body[k] for k in ("currency", "charge", "charge_calculator_version", "charge_seller", "price")} == {
        "currency": "usd",
        "charge": 62,
        "charge_calculator_version": 1,
        "charge_seller": 0,
        "price": 1234,
    }


async def test_charge_with_api_key_as_basic_user_name(client, platform):
    account = await op(platform, actions.create_account, name="Integrator", email="i@example.com")
    key = account["trustap"]["test_key"]
    resp = await client.get(f"{TP}/charge", params={"price": 1000, "currency": "usd"}, auth=(key, ""))
    assert resp.status_code == 200 and resp.json()["charge"] == 50
    error(
        await client.get(f"{TP}/charge", params={"price": 1000, "currency": "usd"}, auth=("tpk_test_nope", "")),
        401,
        "unauthorized",
    )
    # An API key is not a user: user endpoints still need a token.
    error(await client.get(f"{TP}/me/transactions", auth=(key, "")), 401, "unauthorized")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"price": 1000}, "currency_missing"),
        ({"price": "12.5", "currency": "usd"}, "invalid_price"),
        ({"price": "abc", "currency": "usd"}, "invalid_price"),
        ({"price": -1, "currency": "usd"}, "negative_price"),
        ({"price": 99, "currency": "usd"}, "price_too_low"),
        ({"price": 1000, "currency": "xyz"}, "unsupported_currency"),
        ({"price": 1000, "currency": "usd", "charge_config": 7}, "invalid_charge_config"),
        ({"price": 1000, "currency": "usd", "payment_method": "sepa"}, "unsupported_combination"),
    ],
)
async def test_charge_errors(client, seller, params, code):
    error(await client.get(f"{TP}/charge", params=params, headers=seller.h), 400, code)


async def test_operator_versions_and_old_versions_stay_computable(client, platform, seller):
    v = await op(
        platform,
        escrow_ops.set_charges,
        model="online",
        currency="usd",
        payment_method="card",
        buyer_pct=Decimal("3.4"),
        buyer_fixed=30,
        seller_pct=Decimal("1"),
        seller_fixed=0,
        min_price=500,
    )
    assert v["version"] == 2
    body = (await client.get(f"{TP}/charge", params={"price": 10000, "currency": "usd"}, headers=seller.h)).json()
    assert (body["charge"], body["charge_seller"], body["charge_calculator_version"]) == (370, 100, 2)
    error(
        await client.get(f"{TP}/charge", params={"price": 499, "currency": "usd"}, headers=seller.h),
        400,
        "price_too_low",
    )
    # A new currency becomes supported when the operator prices it.
    await op(
        platform,
        escrow_ops.set_charges,
        model="online",
        currency="eur",
        payment_method="card",
        buyer_pct=Decimal(2),
        buyer_fixed=0,
        seller_pct=Decimal(0),
        seller_fixed=0,
        min_price=100,
    )
    eur = (await client.get(f"{TP}/charge", params={"price": 1000, "currency": "eur"}, headers=seller.h)).json()
    assert (eur["currency"], eur["charge"], eur["charge_calculator_version"]) == ("eur", 20, 3)
    async with platform.db.transaction() as session:
        old = await charges.rule_at(session, "online", 1, "usd", "card")
        assert charges.compute(old, 10000).charge == 500  # version 1 still gives its answer

    base = {"role": "seller", "currency": "usd", "price": 10000, "description": "x"}
    stale = await client.post(
        f"{TP}/me/transactions", headers=seller.h, json={**base, "charge": 500, "charge_calculator_version": 1}
    )
    error(stale, 400, "incorrect_calc_version")
    error(
        await client.post(
            f"{TP}/me/transactions", headers=seller.h, json={**base, "charge": 371, "charge_calculator_version": 2}
        ),
        400,
        "incorrect_charge",
    )
    error(
        await client.post(
            f"{TP}/me/transactions",
            headers=seller.h,
            json={**base, "charge": 370, "charge_seller": 0, "charge_calculator_version": 2},
        ),
        400,
        "incorrect_charge_seller",
    )
    error(
        await client.post(
            f"{TP}/me/transactions", headers=seller.h, json={**base, "charge": 370, "charge_calculator_version": 0}
        ),
        400,
        "invalid_calc_version",
    )
    error(
        await client.post(
            f"{TP}/me/transactions",
            headers=seller.h,
            json={**base, "price": -5, "charge": 0, "charge_calculator_version": 2},
        ),
        400,
        "negative_price",
    )
    error(
        await client.post(
            f"{TP}/me/transactions",
            headers=seller.h,
            json={**base, "price": 100, "charge": 33, "charge_calculator_version": 2},
        ),
        400,
        "price_too_low",
    )
    assert await row_count(platform, EscrowTransaction) == 0  # bad input leaves nothing behind
    ok = await client.post(
        f"{TP}/me/transactions",
        headers=seller.h,
        json={**base, "charge": 370, "charge_seller": 100, "charge_calculator_version": 2},
    )
    assert ok.status_code == 201 and ok.json()["charge_calculator_version"] == 2


async def test_charge_settings_are_validated(platform):
    from peerx.core.errors import InvalidField

    with pytest.raises(InvalidField):
        await op(
            platform,
            escrow_ops.set_charges,
            model="online",
            currency="usd",
            payment_method="card",
            buyer_pct=Decimal(100),
            buyer_fixed=0,
            seller_pct=Decimal(0),
            seller_fixed=0,
            min_price=1,
        )
