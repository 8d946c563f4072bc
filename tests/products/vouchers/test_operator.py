"""The operator's side, through the CLI contract and /ops/v1: Peerwallet keys on account
creation, transfer_funds granted and revoked, USD funding, orders shown masked and voided."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from peerx.app import create_app
from peerx.composition import build_platform
from tests.conftest import make_settings
from tests.fixtures.cli import Peerx
from tests.fixtures.factories.vouchers import PW, codes_of, pw_live, vendor

OPS = {"Authorization": "Bearer ops-secret-token"}


@pytest.fixture
def peerx(tmp_path: Path) -> Peerx:
    return Peerx.at(tmp_path)


async def test_cli_contract_for_vouchers(peerx, tmp_path):
    account = peerx("accounts", "create", "--name", "Kofi", "--email", "kofi@example.com", "--json")
    keys = account["peerwallet"]
    assert isinstance(keys, dict) and set(keys) == {"api_private_key", "test_api_private_key"}
    assert keys["api_private_key"].startswith("pw_live_") and keys["test_api_private_key"].startswith("pw_test_")
    account_id = str(account["id"])

    granted = peerx("accounts", "grant", account_id, "transfer_funds", "--json")
    assert granted == {
        "id": account["id"],
        "permission": "transfer_funds",
        "granted": True,
        "permissions": ["transfer_funds"],
    }
    assert peerx("accounts", "grant", account_id, "transfer_funds", "--json") == granted  # idempotent
    funded = peerx("accounts", "fund", account_id, "--currency", "USD", "--amount", "250.00", "--json")
    assert funded["available"] == 250 and funded["currency"] == "USD"
    assert "permission" in peerx("accounts", "grant", account_id, "fly", "--json", ok=False)
    assert "not found" in peerx("accounts", "grant", "999", "transfer_funds", "--json", ok=False)

    platform = build_platform(make_settings(tmp_path))
    try:
        app = create_app(platform=platform)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://peerx.test") as client:
            headers = {"api-private-key": keys["api_private_key"]}
            issued = await client.post(
                f"{PW}/voucher-issue", data={"quantity": 2, "amount": 100, "currency": "USD"}, headers=headers
            )
            assert issued.status_code == 200
            order_id = issued.json()["order_id"]

            revoked = peerx("accounts", "revoke", account_id, "transfer_funds", "--json")
            assert revoked == {"id": account["id"], "permission": "transfer_funds", "granted": False, "permissions": []}
            refused = await client.post(
                f"{PW}/voucher-issue", data={"quantity": 1, "amount": 1, "currency": "USD"}, headers=headers
            )
            assert refused.status_code == 403
    finally:
        await platform.aclose()

    shown = peerx("vouchers", "show", order_id, "--json")
    assert shown["order_id"] == order_id and shown["account_id"] == account["id"] and shown["livemode"] is True
    assert shown["voucher_status_counts"] == {"active": 2, "redeemed": 0, "expired": 0, "void": 0}
    assert shown["codes_email"]["status"] == "queued"
    for code in codes_of(issued):
        assert code not in json.dumps(shown)
    voided = peerx("vouchers", "void", order_id, "--json")
    assert voided["voided"] == 2 and voided["voucher_status_counts"]["void"] == 2
    assert "no active vouchers" in peerx("vouchers", "void", order_id, "--json", ok=False)
    assert "not dead" in peerx("vouchers", "resend-email", order_id, "--json", ok=False)
    assert peerx("ledger", "verify", "--json")["ok"] is True


async def test_ops_api_permissions_and_orders(client, platform):
    seller = await vendor(platform, permitted=False)
    url = f"/ops/v1/accounts/{seller['id']}/permissions"
    assert (await client.post(url, json={"permission": "transfer_funds"})).status_code == 401
    granted = await client.post(url, json={"permission": "transfer_funds"}, headers=OPS)
    assert granted.status_code == 200 and granted.json()["granted"] is True
    bad = await client.post(url, json={"permission": "everything"}, headers=OPS)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "permission"

    issued = await client.post(
        f"{PW}/voucher-issue",
        data={"quantity": 1, "amount": 10, "currency": "USD"},
        headers={"api-private-key": pw_live(seller)},
    )
    order_id = issued.json()["order_id"]
    shown = await client.get(f"/ops/v1/vouchers/orders/{order_id}", headers=OPS)
    assert shown.status_code == 200 and shown.json()["vouchers"][0]["voucher_status"] == "active"
    assert codes_of(issued)[0] not in shown.text
    voided = await client.post(f"/ops/v1/vouchers/orders/{order_id}/void", headers=OPS)
    assert voided.status_code == 200 and voided.json()["voided"] == 1
    again = await client.post(f"/ops/v1/vouchers/orders/{order_id}/void", headers=OPS)
    assert again.status_code == 409
    missing = await client.get("/ops/v1/vouchers/orders/NOPE", headers=OPS)
    assert missing.status_code == 404

    revoked = await client.delete(f"{url}/transfer_funds", headers=OPS)
    assert revoked.status_code == 200 and revoked.json()["permissions"] == []
