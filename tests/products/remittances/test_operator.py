"""The operator's side: the CLI contract (subprocess, one JSON object, non-zero exit on error)
and /ops/v1/remittances, /ops/v1/rails."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.core.jobs import drain
from tests.conftest import make_settings
from tests.fixtures.cli import Peerx
from tests.fixtures.factories.remittances import PEEX, auth, fund, pay

OPS = "/ops/v1"
OPS_AUTH = {"Authorization": "Bearer ops-secret-token"}


@pytest.fixture
def peerx(tmp_path: Path) -> Peerx:
    return Peerx.at(tmp_path, allow_private_targets="true")


async def test_cli_contract(peerx, tmp_path, receiver):
    account = peerx("accounts", "create", "--name", "Peex", "--email", "infos@peexit.com", "--json")
    keys = account["peex"]
    assert keys["secret_key"].startswith("peex_live_") and keys["test_secret_key"].startswith("peex_test_")
    account_id = str(account["id"])

    funded = peerx("accounts", "fund", account_id, "--currency", "XAF", "--amount", "5000", "--test", "--json")
    assert funded["available"] == 5000 and funded["livemode"] is False

    terms = peerx(
        "remittances", "set", "--account", account_id, "--callback-url", receiver.url,
        "--mtn-fee", "100", "--orange-fee", "50", "--max-amount", "3000", "--json",
    )  # fmt: skip
    assert terms["callback_url"] == receiver.url and terms["callback_secret"].startswith("whsec_")
    assert (terms["mtn_fees"], terms["orange_fees"], terms["max_amount"]) == (100, 50, 3000)

    floated = peerx(
        "rails", "float", "set", "--rail", "mtn_momo", "--currency", "XAF", "--amount", "500", "--test", "--json"
    )
    assert floated == {"rail": "mtn_momo", "currency": "XAF", "livemode": False, "amount": 500, "reserved": 0,
                       "available": 500}  # fmt: skip

    platform = build_platform(make_settings(tmp_path))
    try:
        app = create_app(platform=platform)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://peerx.test") as http:
            waiting = (await pay(http, keys["test_secret_key"], amount=1000, track_id="W-1")).json()["request"]
            too_big = (await pay(http, keys["test_secret_key"], amount=4000, track_id="W-2")).json()["request"]
        assert (waiting["status"], too_big["status"]) == ("mw_balance_pending", "max_amount")

        still = peerx("remittances", "retry", str(waiting["id"]), "--json", ok=False)
        assert "still mw_balance_pending" in still
        peerx(
            "rails", "float", "set", "--rail", "mtn_momo", "--currency", "XAF", "--amount", "5000", "--test", "--json"
        )
        retried = peerx("remittances", "retry", str(waiting["id"]), "--json")
        assert retried["status"] == "new" and retried["to_amount"] == 1000 and retried["fee"] == 100

        canceled = peerx("remittances", "cancel", str(too_big["id"]), "--reason", "Over the limit", "--json")
        assert (canceled["status"], canceled["payment_proof"]) == ("canceled", "Over the limit")

        await drain(platform.worker)
        shown = peerx("remittances", "show", str(waiting["id"]), "--json")
        assert shown["status"] == "paid"
        assert peerx("rails", "float", "show", "--rail", "mtn_momo", "--test", "--json")["available"] == 4000
    finally:
        await platform.aclose()

    assert peerx("ledger", "verify", "--json")["ok"] is True
    assert "not found" in peerx("remittances", "cancel", "999", "--reason", "x", "--json", ok=False)
    assert "rail" in peerx(
        "rails", "float", "set", "--rail", "paypal", "--currency", "XAF", "--amount", "1", "--json", ok=False
    )
    assert "amount" in peerx(
        "rails", "float", "set", "--rail", "mtn_momo", "--currency", "XAF", "--amount", "1.5", "--json", ok=False
    )
    assert "mtn-fee" in peerx("remittances", "set", "--account", account_id, "--mtn-fee", "abc", "--json", ok=False)
    assert "not found" in peerx("remittances", "set", "--account", "999", "--mtn-fee", "1", "--json", ok=False)
    assert "outcome" in peerx("remittances", "settle", str(waiting["id"]), "--outcome", "maybe", "--json", ok=False)


async def test_ops_api(client, platform, partner, test_key, run_jobs):
    pid = partner["id"]
    for method, path in (
        ("PUT", f"/remittances/partners/{pid}"),
        ("PUT", "/rails/floats"),
        ("POST", "/remittances/1/retry"),
    ):
        assert (await client.request(method, f"{OPS}{path}", json={})).status_code == 401
    terms = await client.put(
        f"{OPS}/remittances/partners/{pid}", json={"mtn_fee": "200", "max_amount": 10_000}, headers=OPS_AUTH
    )
    assert terms.status_code == 200 and (terms.json()["mtn_fees"], terms.json()["max_amount"]) == (200, 10_000)
    bad = await client.put(f"{OPS}/remittances/partners/{pid}", json={"orange_fee": "-1"}, headers=OPS_AUTH)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "orange_fee"

    user = await client.put(
        f"{OPS}/remittances/beneficiaries",
        json={"email": "ama@example.com", "mobile_phone": "+237699123456", "first_name": "Ama", "test": True},
        headers=OPS_AUTH,
    )
    assert user.status_code == 200 and user.json()["livemode"] is False
    refused = await client.put(
        f"{OPS}/remittances/beneficiaries", json={"email": "x@example.com", "mobile_phone": "+237665000000"},
        headers=OPS_AUTH,
    )  # fmt: skip
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "mobile_phone"

    await fund(platform, pid, 10_000, livemode=False)
    floated = await client.put(
        f"{OPS}/rails/floats", json={"rail": "orange_money", "currency": "XAF", "amount": 100, "test": True},
        headers=OPS_AUTH,
    )  # fmt: skip
    assert floated.status_code == 200 and floated.json()["available"] == 100
    created = (await pay(client, test_key, mobile_phone=None, email="ama@example.com", amount=1000)).json()["request"]
    assert created["status"] == "mw_balance_pending"
    tx = f"{OPS}/remittances/{created['id']}"
    assert (await client.post(f"{tx}/retry", headers=OPS_AUTH)).status_code == 409
    await client.put(
        f"{OPS}/rails/floats", json={"rail": "orange_money", "currency": "XAF", "amount": 5000, "test": True},
        headers=OPS_AUTH,
    )  # fmt: skip
    await run_jobs()
    shown = (await client.get(tx, headers=OPS_AUTH)).json()
    assert (shown["status"], shown["network"], shown["fee"], shown["mobile_phone"]) == (
        "paid",
        "orange",
        0,
        "+237699123456",
    )
    read = await client.get(f"{OPS}/rails/floats", params={"rail": "orange_money", "test": "true"}, headers=OPS_AUTH)
    assert read.json()["available"] == 4000 and read.json()["tracked"] is True
    assert (await client.post(f"{tx}/cancel", json={"reason": "late"}, headers=OPS_AUTH)).status_code == 409
    assert (await client.post(f"{tx}/settle", json={"outcome": "x"}, headers=OPS_AUTH)).status_code == 400
    assert (await client.get(f"{OPS}/remittances/424242", headers=OPS_AUTH)).status_code == 404

    second = (await pay(client, test_key, track_id="T-2", amount=20_000)).json()["request"]
    assert second["status"] == "max_amount"
    canceled = await client.post(f"{OPS}/remittances/{second['id']}/cancel", json={"reason": "Limit"}, headers=OPS_AUTH)
    assert canceled.status_code == 200 and canceled.json()["payment_proof"] == "Limit"
    me = (await client.get(f"{PEEX}/clients/me", headers=auth(test_key))).json()
    assert me["solde"] == 9000 and me["mtn_fees"] == 200
