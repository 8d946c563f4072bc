"""Each OAuth client's API shape: `document` answers as the document always did, `openapi` as the
public spec's schemas (string party ids, the Complaint object, UserDetails with a name object),
for the same transactions, side by side; an Idempotency-Key replay comes out in the asker's shape."""

from __future__ import annotations

import pytest

from peerx.core.errors import InvalidField
from peerx.ops.escrow import actions as escrow_ops
from peerx.products.escrow import shapes
from tests.fixtures.factories.escrow import REDIRECT, TP, Person, op, paid_tx, post


@pytest.fixture
async def spec_client(platform):  # type: ignore[no-untyped-def]
    return await op(
        platform, escrow_ops.create_client, name="Spec App", redirect_uris=[REDIRECT], livemode=False, shape="openapi"
    )


async def spec_person(platform, spec_client, email: str) -> Person:  # type: ignore[no-untyped-def]
    """The same user, through the openapi-shaped client."""
    token = await op(platform, escrow_ops.issue_token, email=email, client_id=spec_client["client_id"], scope="openid")
    return Person(0, email, token["access_token"])


async def test_the_shape_is_chosen_at_registration(platform, oauth_client, spec_client):
    assert oauth_client["shape"] == "document" and spec_client["shape"] == "openapi"
    with pytest.raises(InvalidField) as refused:
        await op(platform, escrow_ops.create_client, name="X", redirect_uris=[REDIRECT], livemode=False, shape="v2")
    assert "shape" in str(refused.value)


async def test_online_transaction_in_both_shapes(client, platform, seller, buyer, spec_client):
    tx = await paid_tx(client, seller, buyer)
    assert await post(client, seller, tx["id"], "track", {"carrier": "ups", "tracking_code": "1Z"})
    await post(client, buyer, tx["id"], "confirm_delivery")
    complained = await post(client, buyer, tx["id"], "complain_with_description", {"description": "Bent"})
    assert complained.status_code == 200, complained.text
    document = complained.json()
    assert document["complaint"] == "Bent" and document["buyer_id"] == buyer.id and document["descr"]

    spec_buyer = await spec_person(platform, spec_client, buyer.email)
    read = await client.get(f"{TP}/transactions/{tx['id']}", headers=spec_buyer.h)
    assert read.status_code == 200
    body = read.json()
    assert body["complaint"] == {"description": "Bent"}
    assert body["buyer_id"] == str(buyer.id) and body["seller_id"] == str(seller.id)
    assert "descr" not in body and body["description"] == "Soccer ticket"
    assert int(read.headers["content-length"]) == len(read.content)
    # Everything else is the document's answer, field for field.
    again = (await client.get(f"{TP}/transactions/{tx['id']}", headers=buyer.h)).json()
    assert again == document
    assert {k: v for k, v in body.items() if k not in ("complaint", "buyer_id", "seller_id")} == {
        k: v for k, v in document.items() if k not in ("complaint", "buyer_id", "seller_id", "descr")
    }
    listed = (await client.get(f"{TP}/me/transactions", headers=spec_buyer.h)).json()
    assert listed[0]["buyer_id"] == str(buyer.id) and listed[0]["complaint"] == {"description": "Bent"}

    details = await client.get(f"{TP}/transactions/{tx['id']}/seller_details", headers=spec_buyer.h)
    assert details.json() == {"email": seller.email, "name": {"first": "A", "last": "B"}}
    details = await client.get(f"{TP}/transactions/{tx['id']}/seller_details", headers=buyer.h)
    assert details.json() == {"email": seller.email, "name": "A B"}

    # Errors are the same envelope in both shapes.
    missing = await client.get(f"{TP}/transactions/999999", headers=spec_buyer.h)
    assert missing.status_code == 404 and set(missing.json()) == {"code", "error"}


async def test_an_idempotent_replay_comes_out_in_the_askers_shape(client, platform, seller, buyer, spec_client):
    tx = await paid_tx(client, seller, buyer)
    key = {"Idempotency-Key": "track-1"}
    first = await client.post(
        f"{TP}/transactions/{tx['id']}/track",
        json={"carrier": "ups", "tracking_code": "1Z"},
        headers={**seller.h, **key},
    )
    assert first.status_code == 200 and first.json()["seller_id"] == seller.id
    spec_seller = await spec_person(platform, spec_client, seller.email)
    replay = await client.post(
        f"{TP}/transactions/{tx['id']}/track",
        json={"carrier": "ups", "tracking_code": "1Z"},
        headers={**spec_seller.h, **key},
    )
    assert replay.status_code == 200 and replay.headers.get("idempotent-replayed") == "true"
    assert replay.json()["seller_id"] == str(seller.id)


def test_convert_leaves_document_callers_and_unknown_models_alone():
    body = {"buyer_id": 1, "complaint": "x", "descr": "d"}
    assert shapes.convert(shapes.DOCUMENT, shapes.BasicTransaction, body) is body
    assert shapes.convert(shapes.OPENAPI, dict, body) is body


async def test_an_openapi_clients_webhooks_carry_the_specs_transaction(
    client, platform, spec_client, receiver, run_jobs
):
    from peerx.ops import actions

    await op(
        platform,
        actions.add_webhook,
        account_id=spec_client["account_id"],
        url=receiver.url,
        livemode=False,
        surface="trustap",
    )
    people = []
    for email in ("s2@example.com", "b2@example.com"):
        await op(platform, escrow_ops.create_user, email=email, password="correct horse", first="A", last="B")
        people.append(await spec_person(platform, spec_client, email))
    seller, buyer = people
    quote = (await client.get(f"{TP}/charge", params={"price": 1234, "currency": "usd"}, headers=seller.h)).json()
    made = await client.post(
        f"{TP}/me/transactions",
        json={"role": "seller", "currency": "usd", "price": 1234, "description": "Lamp", "charge": quote["charge"],
              "charge_calculator_version": quote["charge_calculator_version"]},
        headers=seller.h,
    )  # fmt: skip
    joined = await client.put(f"{TP}/transactions", params={"join_code": made.json()["join_code"]}, headers=buyer.h)
    assert joined.status_code == 200 and isinstance(joined.json()["buyer_id"], str)
    await run_jobs()
    previews = [r.json()["target_preview"] for r in receiver.wait_for(2)]
    assert len(previews) == 2 and all("descr" not in p and isinstance(p["seller_id"], str) for p in previews)
    assert previews[1]["buyer_id"] == joined.json()["buyer_id"]
