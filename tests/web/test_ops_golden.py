"""/ops/v1 answers byte for byte: one operator day over HTTP (every route, successes and the
usual refusals), each answer compared with what the untyped routes printed before the typed
wire contract (ops_golden.json, captured from that code). Values that differ on every run
(keys, secrets, times, chain ids) are replaced by placeholders after parsing; everything else,
including key order, number forms (571.30, 10, 0.0) and nulls, must match exactly.

Regenerate only on purpose: PEERX_OPS_GOLDEN_WRITE=1 pytest tests/web/test_ops_golden.py"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from peerx.core.clock import clock
from peerx.core.encoding import dumps, loads
from peerx.platform import Platform
from peerx.products.escrow import p2p
from peerx.products.escrow.models import EscrowP2PTransaction
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories.bitcoin import app_factory  # noqa: F401 - a fixture this module uses
from tests.fixtures.factories.escrow import TP, Person, delivered_tx, post
from tests.fixtures.factories.remittances import pay
from tests.fixtures.factories.vouchers import PW
from tests.products.bitcoin.test_contracts_disputes import paid_and_disputed
from tests.products.escrow.test_p2p import remainder_paid, step

OPS = "/ops/v1"
AUTH = {"Authorization": "Bearer ops-secret-token"}
GOLDEN = Path(__file__).with_name("ops_golden.json")

# Values that change on every run, by key.
RANDOM_KEYS = {
    "live_key",
    "test_key",
    "secret_key",
    "test_secret_key",
    "api_private_key",
    "test_api_private_key",
    "secret",
    "callback_secret",
    "client_id",
    "client_secret",
    "access_token",
    "txid",
    "blocks",
    "receipt_url",
    "reference",
    "payout_reference",
    "join_code",
    "contractId",
    "symmetricKeyEncrypted",
    "releaseTxId",
    "address",
    "voucher_code",
    "order_id",
    "message",  # error messages may name a random reference; their field and code are compared
}
UNIX_KEYS = {"exp_date", "date_created", "date_redeemed", "date_voided", "date_expired"}
TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def normalize(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: normalize(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v, key) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if key in RANDOM_KEYS or (key in UNIX_KEYS and isinstance(value, int)):
        return f"<{key}:{type(value).__name__}>"
    if isinstance(value, str) and TIME.fullmatch(value):
        return "<time>"
    return value


class Recorder:
    def __init__(self, client: httpx.AsyncClient):
        self.client = client
        self.seen: list[str] = []

    async def __call__(self, name: str, method: str, path: str, **kwargs: Any) -> Any:
        resp = await self.client.request(method, OPS + path, headers=AUTH, **kwargs)
        body = loads(resp.content)
        # The body is compact simplejson output: re-printing the parsed value gives the same bytes.
        assert dumps(body) == resp.text, (name, resp.text)
        self.seen.append(f"{name} {resp.status_code} {dumps(normalize(body))}")
        return body


async def test_every_ops_answer_is_unchanged(client: httpx.AsyncClient, platform: Platform, app_factory, run_jobs):  # noqa: F811
    ops = Recorder(client)

    # Accounts, funding, permissions, webhooks.
    account = await ops("create account", "POST", "/accounts", json={"name": "Esi", "email": "esi@example.com"})
    aid = account["id"]
    await ops("fund", "POST", f"/accounts/{aid}/fund", json={"currency": "GHS", "amount": "10.5"})
    await ops("fund number", "POST", f"/accounts/{aid}/fund", json={"currency": "ghs", "amount": 1.5, "test": True})
    await ops("fund xaf", "POST", f"/accounts/{aid}/fund", json={"currency": "XAF", "amount": "200000"})
    await ops("fund usd", "POST", f"/accounts/{aid}/fund", json={"currency": "USD", "amount": "500.00"})
    await ops("fund missing", "POST", f"/accounts/{aid}/fund", json={"currency": "GHS"})
    await ops("fund unknown", "POST", "/accounts/999/fund", json={"currency": "GHS", "amount": "1"})
    await ops("fund currency", "POST", f"/accounts/{aid}/fund", json={"currency": "ZZZ", "amount": "1"})
    await ops("fund places", "POST", f"/accounts/{aid}/fund", json={"currency": "GHS", "amount": "1.001"})
    await ops("bad email", "POST", "/accounts", json={"name": "X", "email": "nope"})
    await ops("grant", "POST", f"/accounts/{aid}/permissions", json={"permission": "transfer_funds"})
    await ops("grant bad", "POST", f"/accounts/{aid}/permissions", json={"permission": "everything"})
    await ops("revoke", "DELETE", f"/accounts/{aid}/permissions/transfer_funds")
    await ops("regrant", "POST", f"/accounts/{aid}/permissions", json={"permission": "transfer_funds"})
    await ops("webhook", "POST", "/webhooks", json={"account_id": aid, "url": "https://example.com/h", "test": True})
    await ops("webhook live", "POST", "/webhooks", json={"account_id": aid, "url": "https://example.com/l"})
    await ops("webhook bad url", "POST", "/webhooks", json={"account_id": aid, "url": "ftp://x"})

    # Gift cards.
    await ops(
        "rate",
        "PUT",
        "/giftcards/rates",
        json={"card_type_id": 1, "card_name": "Amazon", "country": "usa", "currency": "usd", "rate": "8.5",
              "fee_pct": "2.5"},
    )  # fmt: skip
    await ops(
        "rate inactive",
        "PUT",
        "/giftcards/rates",
        json={"card_type_id": 3, "card_name": "Google Play", "country": "USA", "currency": "USD", "rate": 7.25,
              "fee_pct": 1.5, "active": False},
    )  # fmt: skip
    key = account["peertupeer"]["live_key"]
    refs = [(await cards.submit_trade(client, key, card_type_id=1)).json()["data"]["reference"] for _ in range(3)]
    await ops("approve", "POST", f"/giftcards/trades/{refs[0]}/approve", json={"card_amount": "80"})
    await ops("approve again", "POST", f"/giftcards/trades/{refs[0]}/approve", json={})
    await ops("approve no body", "POST", f"/giftcards/trades/{refs[1]}/approve")
    await ops("reject", "POST", f"/giftcards/trades/{refs[2]}/reject", json={"reason": "Card already used"})
    await ops("reject unknown", "POST", "/giftcards/trades/NOPE/reject", json={"reason": "x"})

    # Remittances and the rails' floats.
    await ops("partner", "PUT", f"/remittances/partners/{aid}", json={"mtn_fee": "200", "max_amount": 10_000})
    await ops(
        "partner all",
        "PUT",
        f"/remittances/partners/{aid}",
        json={"orange_fee": 50, "callback_url": "https://example.com/peex", "adress": "Douala", "web_site": "x.cm",
              "description": "Peex", "is_activated": True},
    )  # fmt: skip
    await ops("partner bad", "PUT", f"/remittances/partners/{aid}", json={"orange_fee": "-1"})
    await ops(
        "beneficiary",
        "PUT",
        "/remittances/beneficiaries",
        json={"email": "ama@example.com", "mobile_phone": "+237699123456", "first_name": "Ama", "test": True},
    )
    await ops(
        "beneficiary live",
        "PUT",
        "/remittances/beneficiaries",
        json={"email": "kofi@example.com", "mobile_phone": "+237675287689"},
    )
    await ops("float", "PUT", "/rails/floats", json={"rail": "orange_money", "currency": "XAF", "amount": 100})
    await ops("float read", "GET", "/rails/floats", params={"rail": "orange_money"})
    await ops("float untracked", "GET", "/rails/floats", params={"rail": "mtn_momo", "test": "true"})
    await ops("float bad rail", "PUT", "/rails/floats", json={"rail": "paypal", "currency": "XAF", "amount": 1})
    peex = account["peex"]["secret_key"]
    waiting = (await pay(client, peex, mobile_phone=None, email="kofi@example.com", amount=1000)).json()["request"]
    too_big = (await pay(client, peex, track_id="BIG", amount=20_000)).json()["request"]
    await ops("show waiting", "GET", f"/remittances/{waiting['id']}")
    await ops("retry waiting", "POST", f"/remittances/{waiting['id']}/retry")
    await ops("cancel", "POST", f"/remittances/{too_big['id']}/cancel", json={"reason": "Limit"})
    await ops("cancel again", "POST", f"/remittances/{too_big['id']}/cancel", json={"reason": "Limit"})
    await ops("float more", "PUT", "/rails/floats", json={"rail": "mtn_momo", "currency": "XAF", "amount": "5000"})
    fresh = (await pay(client, peex, track_id="MTN", amount=1000)).json()["request"]
    await run_jobs()
    await ops("show pending", "GET", f"/remittances/{fresh['id']}")
    await ops("settle bad", "POST", f"/remittances/{fresh['id']}/settle", json={"outcome": "maybe"})
    await ops("settle", "POST", f"/remittances/{fresh['id']}/settle", json={"outcome": "paid", "note": "cash"})
    await ops("show unknown", "GET", "/remittances/424242")
    await ops("float after", "GET", "/rails/floats", params={"rail": "mtn_momo", "currency": "XAF"})

    # Vouchers.
    issued = await client.post(
        f"{PW}/voucher-issue",
        data={"quantity": 2, "amount": "12.50", "currency": "USD"},
        headers={"api-private-key": account["peerwallet"]["api_private_key"]},
    )
    order_id = issued.json()["order_id"]
    await ops("order", "GET", f"/vouchers/orders/{order_id}")
    await ops("resend", "POST", f"/vouchers/orders/{order_id}/resend-email")
    await ops("void", "POST", f"/vouchers/orders/{order_id}/void")
    await ops("void again", "POST", f"/vouchers/orders/{order_id}/void")
    await ops("order unknown", "GET", "/vouchers/orders/NOPE")

    # Escrow.
    made = await ops(
        "client",
        "POST",
        "/escrow/clients",
        json={"name": "Shop", "redirect_uris": ["http://localhost:1/cb"], "test": True},
    )
    await ops("client bad", "POST", "/escrow/clients", json={"name": "Shop", "redirect_uris": "x"})
    people = []
    for email in ("seller@example.com", "buyer@example.com"):
        user = await ops("user", "POST", "/escrow/users", json={"email": email, "password": "correct horse"})
        token = await ops("token", "POST", "/escrow/tokens", json={"user": email, "client": made["client_id"]})
        people.append(Person(user["id"], email, token["access_token"]))
    await ops("user again", "POST", "/escrow/users", json={"email": "seller@example.com", "password": "correct horse"})
    seller, buyer = people
    tx = await delivered_tx(client, seller, buyer)
    complained = await post(client, buyer, tx["id"], "complain_with_description", {"complaint_description": "Broken"})
    assert complained.status_code == 200, complained.text
    await ops("escrow tx", "GET", f"/escrow/transactions/{tx['id']}")
    await ops("resolve bad", "POST", f"/escrow/transactions/{tx['id']}/resolve", json={"outcome": "maybe"})
    await ops("resolve", "POST", f"/escrow/transactions/{tx['id']}/resolve", json={"outcome": "refund"})
    await ops("resolve again", "POST", f"/escrow/transactions/{tx['id']}/resolve", json={"outcome": "refund"})
    await ops("resolve p2p unknown", "POST", "/escrow/transactions/99/resolve", json={"outcome": "refund", "p2p": True})
    await ops("escrow unknown", "GET", "/escrow/transactions/424242")
    await ops(
        "charges",
        "POST",
        "/escrow/charges",
        json={"currency": "usd", "buyer_pct": "2.5", "buyer_fixed": 30, "seller_pct": 0, "min_price": 100},
    )
    await ops("charges bad", "POST", "/escrow/charges", json={"currency": "usd", "buyer_fixed": 1.5})
    assert (await client.get(f"{TP}/charge", params={"price": 100, "currency": "usd"}, headers=seller.h)).is_success

    # Bitcoin.
    seller_app, _, contract_id, _, _ = await paid_and_disputed(app_factory, platform, run_jobs)
    await ops("fund address", "POST", "/bitcoin/chain/fund", json={"address": seller_app.address(), "sats": 50_000})
    await ops("fund bad", "POST", "/bitcoin/chain/fund", json={"address": "nope", "sats": 50_000})
    await ops("fund sats", "POST", "/bitcoin/chain/fund", json={"address": seller_app.address(), "sats": 5.5})
    await ops("mine", "POST", "/bitcoin/chain/mine", json={"blocks": 2})
    await ops("mine default", "POST", "/bitcoin/chain/mine", json={})
    await ops("price", "POST", "/bitcoin/market/prices", json={"pair": "BTCEUR", "price": "27455.04"})
    await ops("price bad", "POST", "/bitcoin/market/prices", json={"pair": "BTCXXX", "price": "1"})
    await ops("disputes", "GET", "/bitcoin/disputes")
    await ops("dispute bad", "POST", f"/bitcoin/disputes/{contract_id}/resolve", json={"outcome": "maybe"})
    clock.advance(timedelta(minutes=1))
    await ops("dispute", "POST", f"/bitcoin/disputes/{contract_id}/resolve", json={"outcome": "sellerWins"})
    await ops("disputes all", "GET", "/bitcoin/disputes", params={"active": "false"})
    await ops("disputes none", "GET", "/bitcoin/disputes", params={"active": "true"})

    await ops("verify", "GET", "/ledger/verify")
    await ops("unknown route", "GET", "/nowhere")

    if os.environ.get("PEERX_OPS_GOLDEN_WRITE") == "1":
        GOLDEN.write_text("\n".join(ops.seen) + "\n")
    expected = GOLDEN.read_text().splitlines()
    for got, want in zip(ops.seen, expected, strict=True):
        assert got == want


async def test_a_p2p_resolution_prints_the_actions_dict(client: httpx.AsyncClient, platform: Platform) -> None:
    """Face to face: the answer carries exactly the keys the action gives, in its order, with
    its values (pricing, cancellation, the steps taken so far), and none of the others."""
    made = await client.post(
        f"{OPS}/escrow/clients", json={"name": "Shop", "redirect_uris": ["http://localhost:1/cb"], "test": True},
        headers=AUTH,
    )  # fmt: skip
    client_id = made.json()["client_id"]
    people = []
    for email in ("seller@example.com", "buyer@example.com"):
        user = (
            await client.post(f"{OPS}/escrow/users", json={"email": email, "password": "x" * 8}, headers=AUTH)
        ).json()
        token = await client.post(f"{OPS}/escrow/tokens", json={"user": email, "client": client_id}, headers=AUTH)
        people.append(Person(user["id"], email, token.json()["access_token"]))
    seller, buyer = people
    tx = await remainder_paid(client, seller, buyer)
    assert (await step(client, buyer, tx["id"], "complain", {"complaint_description": "Not as described"})).is_success
    resp = await client.post(
        f"{OPS}/escrow/transactions/{tx['id']}/resolve", json={"outcome": "refund", "p2p": "true"}, headers=AUTH
    )
    assert resp.status_code == 200, resp.text
    async with platform.db.transaction() as session:
        row = await session.get(EscrowP2PTransaction, tx["id"])
        assert row is not None
        expected = {**p2p.tx_view(row), "livemode": row.livemode}
    assert resp.text == dumps(expected)
    assert {"pricing", "complained", "amount_refunded"} <= set(expected) and "listing_id" not in expected
