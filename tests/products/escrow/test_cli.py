"""The escrow CLI contract, run as a subprocess on a real data directory; the app is driven
in-process on the same database between commands."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from peerx.app import create_app
from peerx.composition import build_platform
from tests.conftest import make_settings
from tests.fixtures.cli import Peerx
from tests.fixtures.factories.escrow import TP


@pytest.fixture
def peerx(tmp_path: Path) -> Peerx:
    return Peerx.at(tmp_path, prefix=("escrow",), suffix=("--json",))


async def test_cli_contract(peerx, tmp_path):
    client = peerx("clients", "create", "--name", "Shop", "--redirect-uri", "https://shop.example/cb", "--test")
    assert set(client) >= {"client_id", "client_secret"} and client["client_id"].startswith("tpc_")
    assert client["shape"] == "document"
    spec_client = peerx(
        "clients", "create", "--name", "Spec", "--redirect-uri", "https://spec.example/cb", "--shape", "openapi"
    )
    assert spec_client["shape"] == "openapi"
    refused = peerx(
        "clients", "create", "--name", "X", "--redirect-uri", "https://x.example/cb", "--shape", "v2", ok=False
    )
    assert "shape" in refused
    seller = peerx("users", "create", "--email", "s@example.com", "--password", "pw-seller-1", "--first", "S")
    buyer = peerx("users", "create", "--email", "b@example.com", "--password", "pw-buyer-12")
    assert isinstance(seller["id"], int) and buyer["id"] != seller["id"]
    assert "already exists" in peerx("users", "create", "--email", "s@example.com", "--password", "x" * 9, ok=False)
    s_token = peerx("token", "--user", "s@example.com", "--client", client["client_id"], "--scope", "openid")
    b_token = peerx("token", "--user", "b@example.com", "--client", client["client_id"], "--scope", "openid")
    version = peerx("charges", "set", "--currency", "usd", "--buyer-pct", "2.5", "--buyer-fixed", "30")
    assert version["version"] == 2 and version["buyer_fixed"] == 30

    settings = make_settings(tmp_path, "")
    platform = build_platform(settings)
    sh = {"Authorization": f"Bearer {s_token['access_token']}"}
    bh = {"Authorization": f"Bearer {b_token['access_token']}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(platform=platform)), base_url="http://t"
    ) as http:
        quote = (await http.get(f"{TP}/charge", params={"price": 1000, "currency": "usd"}, headers=sh)).json()
        assert (quote["charge"], quote["charge_calculator_version"]) == (55, 2)
        tx = (
            await http.post(
                f"{TP}/me/transactions",
                headers=sh,
                json={
                    "role": "seller",
                    "currency": "usd",
                    "price": 1000,
                    "description": "Lamp",
                    "charge": 55,
                    "charge_calculator_version": 2,
                },
            )
        ).json()
        await http.put(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=bh)
        await http.post(f"{TP}/transactions/{tx['id']}/pay", json={"stripe_token": "tok_visa"}, headers=bh)
        await http.post(
            f"{TP}/transactions/{tx['id']}/track", json={"carrier": "ups", "tracking_code": "1Z"}, headers=sh
        )
        await http.post(f"{TP}/transactions/{tx['id']}/confirm_delivery", headers=bh)
        complained = await http.post(f"{TP}/transactions/{tx['id']}/complain", headers=bh)
        assert complained.json()["status"] == "complained"
    await platform.aclose()

    assert "must be release or refund" in peerx("resolve", str(tx["id"]), "--outcome", "keep", ok=False)
    resolved = peerx("resolve", str(tx["id"]), "--outcome", "refund")
    assert resolved["status"] == "funds_refunded" and resolved["amount_refunded"] == 1055
    assert "already been settled" in peerx("resolve", str(tx["id"]), "--outcome", "release", ok=False)
