"""/ops/v1: the operator JSON API behind a bearer token, doing what the CLI does."""

from __future__ import annotations

from decimal import Decimal

from peerx.core.encoding import loads
from tests.fixtures.factories import giftcards as cards

OPS = "/ops/v1"
AUTH = {"Authorization": "Bearer ops-secret-token"}


async def test_requires_the_operator_token(client):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "ops-secret-token-x"}):
        resp = await client.post(f"{OPS}/accounts", json={"name": "A", "email": "a@example.com"}, headers=headers)
        assert resp.status_code == 401 and resp.json()["error"]["code"] == "unauthorized"


async def test_ops_api_is_off_without_a_token(client, platform):
    platform.settings.ops_token = ""
    for headers in ({"Authorization": "Bearer "}, {}, AUTH):
        resp = await client.get(f"{OPS}/ledger/verify", headers=headers)
        assert resp.status_code == 403
        assert resp.json()["error"]["code"] == "ops_api_disabled"
        assert "PEERX_OPS_TOKEN" in resp.json()["error"]["message"]


async def test_operator_runs_the_desk_over_http(client, platform):
    created = await client.post(f"{OPS}/accounts", json={"name": "Esi", "email": "esi@example.com"}, headers=AUTH)
    assert created.status_code == 201
    account = created.json()
    key = account["peertupeer"]["live_key"]

    rate = await client.put(
        f"{OPS}/giftcards/rates",
        headers=AUTH,
        json={
            "card_type_id": 3,
            "card_name": "Google Play",
            "country": "usa",
            "currency": "usd",
            "rate": "7.25",
            "fee_pct": "1.5",
        },
    )
    assert (
        rate.status_code == 200
        and rate.json()["country"] == "USA"
        and loads(rate.content)["rate_per_unit"] == Decimal("7.25")
    )

    ref = (await cards.submit_trade(client, key, card_type_id=3)).json()["data"]["reference"]
    approved = await client.post(f"{OPS}/giftcards/trades/{ref}/approve", json={"card_amount": "80"}, headers=AUTH)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # 80 x 7.25 = 580.00; fee 1.5% = 8.70; net 571.30
    assert '"net_payout_ghs":571.30' in approved.text
    again = await client.post(f"{OPS}/giftcards/trades/{ref}/reject", json={"reason": "late"}, headers=AUTH)
    assert again.status_code == 409

    funded = await client.post(
        f"{OPS}/accounts/{account['id']}/fund", json={"currency": "GHS", "amount": "10.5"}, headers=AUTH
    )
    assert funded.status_code == 200 and loads(funded.content)["available"] == Decimal("581.80")
    bad = await client.post(
        f"{OPS}/accounts/{account['id']}/fund", json={"currency": "GHS", "amount": 1.5}, headers=AUTH
    )
    assert bad.status_code == 200  # JSON numbers are read as exact decimals, never floats
    missing = await client.post(f"{OPS}/accounts/{account['id']}/fund", json={"currency": "GHS"}, headers=AUTH)
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "amount"

    verify = await client.get(f"{OPS}/ledger/verify", headers=AUTH)
    assert verify.status_code == 200 and verify.json()["ok"] is True


async def test_unknown_account_and_bad_email(client):
    resp = await client.post(f"{OPS}/accounts/999/fund", json={"currency": "GHS", "amount": "1"}, headers=AUTH)
    assert resp.status_code == 404
    resp = await client.post(f"{OPS}/accounts", json={"name": "X", "email": "nope"}, headers=AUTH)
    assert resp.status_code == 400 and resp.json()["error"]["field"] == "email"


async def test_an_escrow_client_is_registered_with_its_api_shape(client):
    body = {"name": "Spec App", "redirect_uris": ["https://spec.example/cb"]}
    document = await client.post(f"{OPS}/escrow/clients", json=body, headers=AUTH)
    assert document.status_code == 201 and document.json()["shape"] == "document"
    spec = await client.post(f"{OPS}/escrow/clients", json={**body, "shape": "openapi"}, headers=AUTH)
    assert spec.status_code == 201 and spec.json()["shape"] == "openapi"
    refused = await client.post(f"{OPS}/escrow/clients", json={**body, "shape": "v2"}, headers=AUTH)
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "shape"
