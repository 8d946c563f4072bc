"""SECRETKEY auth (ACCESS-TOKEN as the document shows it) and clients/me, field for field."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.fixtures.factories.remittances import PEEX, auth, create_partner, fund, pay, set_partner, wire

ME_FIELDS = [
    "name",
    "email",
    "adress",
    "web_site",
    "description",
    "callback_url",
    "solde",
    "orange_fees",
    "mtn_fees",
    "is_activated",
    "created_at",
    "updated_at",
]
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"SECRETKEY": ""},
        {"SECRETKEY": "37528871-1f6c-43e9-a74a-0ad1f4baba76"},  # the document's sandbox key is not ours
        {"ACCESS-TOKEN": "{{token}}"},
    ],
)
async def test_missing_or_wrong_secret_key_is_401(client, partner, headers):
    for method, path in (
        ("GET", "/clients/me"),
        ("POST", "/clients/request_payment"),
        ("GET", "/clients/all_requests"),
    ):
        resp = await client.request(method, f"{PEEX}{path}", headers=headers, json={})
        assert resp.status_code == 401, (path, resp.text)
        assert resp.json()["status"] == 401 and resp.json()["error"] == "unauthorized"


async def test_a_wrong_secretkey_is_not_rescued_by_access_token(client, live_key):
    resp = await client.get(f"{PEEX}/clients/me", headers={"SECRETKEY": "nope", "ACCESS-TOKEN": live_key})
    assert resp.status_code == 401


async def test_access_token_alone_carries_the_secret_key(client, live_key):
    resp = await client.get(f"{PEEX}/clients/me", headers={"ACCESS-TOKEN": live_key})
    assert resp.status_code == 200


async def test_another_surfaces_key_is_refused(client, partner):
    resp = await client.get(f"{PEEX}/clients/me", headers={"SECRETKEY": partner["peertupeer"]["live_key"]})
    assert resp.status_code == 401


async def test_me_has_the_documents_fields_and_the_solde(client, platform, partner, live_key, test_key):
    resp = await client.get(f"{PEEX}/clients/me", headers=auth(live_key))
    assert resp.status_code == 200
    me = wire(resp)
    assert list(me) == ME_FIELDS  # "solde" as the sample shows, not the model list's "sold"
    assert me["name"] == "Peex" and me["email"] == "infos@peexit.com"
    assert me["solde"] == Decimal("0.0") and me["is_activated"] is True
    assert TIME.fullmatch(me["created_at"]) and TIME.fullmatch(me["updated_at"])

    await fund(platform, partner["id"], 1341, livemode=True)
    await set_partner(
        platform,
        partner["id"],
        mtn_fee="500",
        orange_fee="450",
        adress="Bonamoussadi",
        web_site="peexit.com",
        description="Peers Exchange",
        callback_url="http://api.peex-callback/",
    )
    resp = await client.get(f"{PEEX}/clients/me", headers=auth(live_key))
    assert '"solde":1341.0,"orange_fees":450.0,"mtn_fees":500.0' in resp.text
    me = wire(resp)
    assert (me["adress"], me["web_site"], me["description"], me["callback_url"]) == (
        "Bonamoussadi",
        "peexit.com",
        "Peers Exchange",
        "http://api.peex-callback/",
    )
    # test mode is another world: its own solde
    assert wire(await client.get(f"{PEEX}/clients/me", headers=auth(test_key)))["solde"] == Decimal("0.0")


async def test_solde_is_what_is_left_after_holds(client, platform, partner, test_key):
    await fund(platform, partner["id"], 5000, livemode=False)
    await set_partner(platform, partner["id"], mtn_fee="100")
    assert (await pay(client, test_key, amount=1000)).status_code == 200
    me = wire(await client.get(f"{PEEX}/clients/me", headers=auth(test_key)))
    assert me["solde"] == Decimal("3900.0")  # 5000 - (1000 + 100 fee) held for the payout


async def test_a_deactivated_partner_cannot_request_payments(client, platform, partner, test_key):
    await fund(platform, partner["id"], 5000, livemode=False)
    await set_partner(platform, partner["id"], is_activated=False)
    me = wire(await client.get(f"{PEEX}/clients/me", headers=auth(test_key)))
    assert me["is_activated"] is False
    resp = await pay(client, test_key)
    assert resp.status_code == 401 and resp.json()["message"] == "Your account is not activated."


async def test_each_partner_sees_only_itself(client, platform, live_key):
    other = await create_partner(platform, name="Other MTO", email="ops@other.example")
    resp = await client.get(f"{PEEX}/clients/me", headers=auth(other["peex"]["secret_key"]))
    assert resp.json()["name"] == "Other MTO"
    assert (await client.get(f"{PEEX}/clients/me", headers=auth(live_key))).json()["name"] == "Peex"


async def test_unknown_routes_answer_in_the_envelope(client, live_key):
    resp = await client.get(f"{PEEX}/clients/nothing", headers=auth(live_key))
    assert resp.status_code == 404 and resp.json()["status"] == 404
