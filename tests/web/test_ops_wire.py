"""/ops/v1 against hostile input, over HTTP: every refusal is a 400 in the operator envelope naming
the field, nothing is left behind in any table (or in the files), and the connection stays usable.
Runs on SQLite, and on PostgreSQL in CI's second pass (PEERX_TEST_DATABASE=postgresql)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from peerx.core import ledger
from peerx.core.db import Base
from peerx.ops import actions
from peerx.platform import Platform
from peerx.settings import Settings
from tests.fixtures.ledger import available
from tests.fixtures.live_server import LiveServer

OPS = "/ops/v1"
AUTH = {"Authorization": "Bearer ops-secret-token"}
BEYOND_64_BITS = 2**64
NUL = "\u0000"


async def table_counts(platform: Platform) -> dict[str, int]:
    """Rows in every table of the platform: what a refused request must leave unchanged."""
    async with platform.db.transaction() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def stored_files(platform: Platform) -> list[Path]:
    root = Path(platform.settings.data_dir) / "files"
    return sorted(root.rglob("*")) if root.exists() else []


@pytest.fixture
async def account(platform: Platform) -> dict[str, Any]:
    async with platform.db.transaction() as session:
        return await actions.create_account(platform, session, name="Wire Co", email="wire@example.com")


def raw(text: str) -> dict[str, Any]:
    """A body sent as written (JSON a client library would never produce: 1e400, NaN, ...)."""
    return {"content": text.encode(), "headers": {**AUTH, "Content-Type": "application/json"}}


# (method, path, request, the field the refusal names). {aid} is the account's id.
HOSTILE: list[tuple[str, str, dict[str, Any], str]] = [
    # gift-card rates
    ("PUT", "/giftcards/rates", {"json": {"card_type_id": {}, "card_name": "A", "country": "USA", "currency": "USD",
                                          "rate": "8", "fee_pct": "1"}}, "card_type_id"),
    ("PUT", "/giftcards/rates", {"json": {"card_type_id": BEYOND_64_BITS, "card_name": "A", "country": "USA",
                                          "currency": "USD", "rate": "8", "fee_pct": "1"}}, "card_type_id"),
    ("PUT", "/giftcards/rates", {"json": {"card_type_id": 1, "card_name": f"Ama{NUL}zon", "country": "USA",
                                          "currency": "USD", "rate": "8", "fee_pct": "1"}}, "card_name"),
    ("PUT", "/giftcards/rates", raw('{"card_type_id": 1, "card_name": "A", "country": "USA", "currency": "USD", '
                                    '"rate": 1e3, "fee_pct": "1"}'), "rate"),
    ("PUT", "/giftcards/rates", {"json": {"card_type_id": 1, "card_name": "A", "country": "USA", "currency": "USD",
                                          "rate": "8", "fee_pct": "1", "active": "no"}}, "active"),
    ("PUT", "/giftcards/rates", {"json": {"card_type_id": 1, "card_name": "A", "country": "U" * 61,
                                          "currency": "USD", "rate": "8", "fee_pct": "1"}}, "country"),
    ("POST", "/giftcards/trades/PTP-1/approve", {"json": {"card_amount": "1e3"}}, "card_amount"),
    ("POST", "/giftcards/trades/PTP-1/reject", {"json": {"reason": NUL}}, "reason"),
    ("POST", "/giftcards/trades/PTP-1/reject", {"json": {}}, "reason"),
    # webhooks
    ("POST", "/webhooks", {"json": {"account_id": "x", "url": "https://example.com/h"}}, "account_id"),
    ("POST", "/webhooks", {"json": {"account_id": BEYOND_64_BITS, "url": "https://example.com/h"}}, "account_id"),
    ("POST", "/webhooks", {"json": {"account_id": "{aid}", "url": f"https://example.com/{NUL}"}}, "url"),
    ("POST", "/webhooks", {"json": {"account_id": "{aid}", "url": "https://example.com/h", "test": 1}}, "test"),
    # ids beyond 64 bits, or not ids at all, in paths
    ("POST", f"/accounts/{BEYOND_64_BITS}/fund", {"json": {"currency": "GHS", "amount": "1"}}, "account_id"),
    ("POST", "/accounts/99999999999999999999/fund", {"json": {"currency": "GHS", "amount": "1"}}, "account_id"),
    ("POST", "/accounts/0/permissions", {"json": {"permission": "transfer_funds"}}, "account_id"),
    ("DELETE", "/accounts/-1/permissions/transfer_funds", {}, "account_id"),
    ("GET", f"/remittances/{BEYOND_64_BITS}", {}, "transaction_id"),
    ("POST", "/remittances/\u0663/retry", {}, "transaction_id"),  # an Arabic-Indic three
    ("GET", f"/escrow/transactions/{BEYOND_64_BITS}", {}, "transaction_id"),
    ("PUT", f"/remittances/partners/{BEYOND_64_BITS}", {"json": {}}, "account_id"),
    ("GET", f"/vouchers/orders/{'X' * 65}", {}, "order_id"),
    # fund amounts
    ("POST", "/accounts/{aid}/fund", raw('{"currency": "GHS", "amount": 1e400}'), "amount"),
    ("POST", "/accounts/{aid}/fund", {"json": {"currency": "GHS", "amount": "1e3"}}, "amount"),
    ("POST", "/accounts/{aid}/fund", {"json": {"currency": "GHS", "amount": "NaN"}}, "amount"),
    ("POST", "/accounts/{aid}/fund", raw('{"currency": "GHS", "amount": NaN}'), "body"),
    ("POST", "/accounts/{aid}/fund", raw('{"currency": "GHS", "amount": -Infinity}'), "body"),
    ("POST", "/accounts/{aid}/fund", {"json": {"currency": "GHS", "amount": "\u0661\u0660\u0660"}}, "amount"),
    ("POST", "/accounts/{aid}/fund", {"json": {"currency": "GHS", "amount": True}}, "amount"),
    ("POST", "/accounts/{aid}/fund", {"json": {"currency": "GHS", "amount": "-5"}}, "amount"),
    ("POST", "/accounts/{aid}/fund", {"json": {"currency": "GHS", "amount": 10**13}}, "amount"),
    ("POST", "/accounts/{aid}/fund", {"json": {"currency": "GHS", "amount": "0"}}, "amount"),
    ("POST", "/accounts/{aid}/fund", {"json": {"currency": "GHS", "amount": "1", "test": "maybe"}}, "test"),
    ("POST", "/accounts/{aid}/fund", {"json": {"currency": f"GH{NUL}", "amount": "1"}}, "currency"),
    # accounts and permissions
    ("POST", "/accounts", {"json": {"name": f"A{NUL}", "email": "a@example.com"}}, "name"),
    ("POST", "/accounts", {"json": {"name": "A", "email": f"a{NUL}@example.com"}}, "email"),
    ("POST", "/accounts", {"json": {"name": "A" * 201, "email": "a@example.com"}}, "name"),
    ("POST", "/accounts", {"json": {"name": 5, "email": "a@example.com"}}, "name"),
    ("POST", "/accounts", {"json": ["name", "email"]}, "body"),
    ("POST", "/accounts", raw("name=A&email=a@example.com"), "body"),
    ("POST", "/accounts", raw("[" * 40 + "]" * 40), "body"),
    ("POST", "/accounts", {}, "body"),
    ("POST", "/accounts/{aid}/permissions", {"json": {"permission": ["transfer_funds"]}}, "permission"),
    # remittances and floats
    ("PUT", "/remittances/partners/{aid}", {"json": {"is_activated": "maybe"}}, "is_activated"),
    ("PUT", "/remittances/partners/{aid}", {"json": {"mtn_fee": "1e3"}}, "mtn_fee"),
    ("PUT", "/remittances/partners/{aid}", {"json": {"description": f"a{NUL}b"}}, "description"),
    ("PUT", "/remittances/beneficiaries", {"json": {"email": "a@example.com", "mobile_phone": ["237699123456"]}},
     "mobile_phone"),
    ("PUT", "/remittances/beneficiaries", {"json": {"email": "a@example.com", "mobile_phone": "237699123456",
                                                    "first_name": f"A{NUL}"}}, "first_name"),
    ("POST", "/remittances/1/settle", {"json": {"outcome": 5}}, "outcome"),
    ("POST", "/remittances/1/cancel", {"json": {"reason": "x" * 1001}}, "reason"),
    ("PUT", "/rails/floats", {"json": {"rail": "mtn_momo", "currency": "XAF", "amount": "\u0661"}}, "amount"),
    ("PUT", "/rails/floats", {"json": {"rail": "mtn_momo", "currency": "XAF", "amount": "100", "test": "yes"}},
     "test"),
    ("GET", "/rails/floats?rail=mtn_momo&test=maybe", {}, "test"),
    # escrow
    ("POST", "/escrow/clients", {"json": {"name": "Shop", "redirect_uris": "https://x.example"}}, "redirect_uris"),
    ("POST", "/escrow/clients", {"json": {"name": "Shop", "redirect_uris": ["https://x.example", 5]}},
     "redirect_uris.1"),
    ("POST", "/escrow/users", {"json": {"email": "a@example.com", "password": 12345678}}, "password"),
    ("POST", "/escrow/users", {"json": {"email": "a@example.com", "password": "x" * 1025}}, "password"),
    ("POST", "/escrow/tokens", {"json": {"user": "a@example.com", "client": f"tpc{NUL}"}}, "client"),
    ("POST", "/escrow/charges", {"json": {"currency": "usd", "buyer_fixed": 1.5}}, "buyer_fixed"),
    ("POST", "/escrow/charges", {"json": {"currency": "usd", "min_price": 2**63}}, "min_price"),
    ("POST", "/escrow/transactions/1/resolve", {"json": {"outcome": "refund", "p2p": "perhaps"}}, "p2p"),
    # bitcoin
    ("POST", "/bitcoin/chain/fund", {"json": {"address": "bcrt1qxyz", "sats": True}}, "sats"),
    ("POST", "/bitcoin/chain/fund", {"json": {"address": f"bcrt1q{NUL}", "sats": 1000}}, "address"),
    ("POST", "/bitcoin/chain/mine", {"json": {"blocks": "many"}}, "blocks"),
    ("POST", "/bitcoin/chain/mine", {"json": {"blocks": 0}}, "blocks"),
    ("POST", "/bitcoin/market/prices", {"json": {"pair": "BTCEUR", "price": "NaN"}}, "price"),
    ("POST", "/bitcoin/market/prices", {"json": {"pair": "BTCEURXXXXXXX", "price": "1"}}, "pair"),
    ("GET", "/bitcoin/disputes?active=maybe", {}, "active"),
    ("POST", "/bitcoin/disputes/C-1/resolve", {"json": {"outcome": None}}, "outcome"),
]  # fmt: skip


def _fill(value: Any, aid: int) -> Any:
    if isinstance(value, str):
        return value.replace("{aid}", str(aid))
    if isinstance(value, dict):
        return {k: _fill(v, aid) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, aid) for v in value]
    return value


@pytest.mark.parametrize(("method", "path", "request_", "field"), HOSTILE)
async def test_hostile_input_is_refused_by_name_and_leaves_nothing(
    client: httpx.AsyncClient,
    platform: Platform,
    account: dict[str, Any],
    method: str,
    path: str,
    request_: dict[str, Any],
    field: str,
) -> None:
    aid = account["id"]
    kwargs = {"headers": AUTH, **_fill(request_, aid)}
    before, files = await table_counts(platform), stored_files(platform)
    resp = await client.request(method, OPS + _fill(path, aid), **kwargs)
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_field", field), error
    assert error["message"].startswith(f"{field} "), error
    assert await table_counts(platform) == before
    assert stored_files(platform) == files
    # The same client goes on: nothing about the refusal stuck to the app.
    assert (await client.get(f"{OPS}/ledger/verify", headers=AUTH)).json()["ok"] is True


async def balance(platform: Platform, account_id: int, livemode: bool) -> int:
    return await available(platform, ledger.party_wallet(account_id, "GHS", livemode))


@pytest.mark.parametrize(
    ("test", "livemode"),
    [("false", True), ("true", False), (False, True), (True, False), ("0", True), ("1", False)],
)
async def test_the_test_flag_picks_the_ledger_that_moves(
    client: httpx.AsyncClient, platform: Platform, account: dict[str, Any], test: Any, livemode: bool
) -> None:
    aid = account["id"]
    resp = await client.post(
        f"{OPS}/accounts/{aid}/fund", json={"currency": "GHS", "amount": "12.50", "test": test}, headers=AUTH
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["livemode"] is livemode
    assert await balance(platform, aid, livemode) == 1250
    assert await balance(platform, aid, not livemode) == 0


async def test_string_booleans_mean_what_they_say(
    client: httpx.AsyncClient, platform: Platform, account: dict[str, Any]
) -> None:
    aid = account["id"]
    off = await client.put(f"{OPS}/remittances/partners/{aid}", json={"is_activated": "false"}, headers=AUTH)
    assert off.status_code == 200 and off.json()["is_activated"] is False
    hook = await client.post(
        f"{OPS}/webhooks", json={"account_id": str(aid), "url": "https://example.com/h", "test": "false"}, headers=AUTH
    )
    assert hook.status_code == 201 and hook.json()["livemode"] is True
    rate = {"card_type_id": "7", "card_name": "Steam", "country": "USA", "currency": "USD", "rate": 9, "fee_pct": 0}
    inactive = await client.put(f"{OPS}/giftcards/rates", json={**rate, "active": "false"}, headers=AUTH)
    assert inactive.status_code == 200 and inactive.json()["active"] is False
    floats = await client.get(f"{OPS}/rails/floats", params={"rail": "mtn_momo", "test": "false"}, headers=AUTH)
    assert floats.json() == {"rail": "mtn_momo", "currency": "XAF", "livemode": True, "tracked": False}


async def test_unknown_fields_are_ignored_and_text_is_trimmed(
    client: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    resp = await client.post(
        f"{OPS}/accounts",
        json={"name": "  Kofi  ", "email": "kofi@example.com", "role": "admin", "extra": {"deep": [1, 2]}},
        headers=AUTH,
    )
    assert resp.status_code == 201 and resp.json()["name"] == "Kofi"


async def test_the_token_is_checked_before_the_fields(client: httpx.AsyncClient, platform: Platform) -> None:
    before = await table_counts(platform)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "ops-secret-token"}):
        resp = await client.post(f"{OPS}/accounts/{BEYOND_64_BITS}/fund", json={"amount": "1e3"}, headers=headers)
        assert resp.status_code == 401 and resp.json()["error"]["code"] == "unauthorized"
    assert await table_counts(platform) == before


async def test_a_newline_in_a_path_is_refused_in_the_envelope(client: httpx.AsyncClient) -> None:
    resp = await client.post(f"{OPS}/vouchers/orders/PW%0A1/void", headers=AUTH)
    assert resp.status_code == 400
    assert resp.json()["error"] == {
        "code": "invalid_field",
        "message": "path must not contain control characters",
        "field": "path",
    }


# ---------------------------------------------------------------- over a real socket


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    live = LiveServer(settings)
    live.start()
    yield live
    live.stop()


def test_a_refusal_keeps_the_connection_usable(server: LiveServer, account: dict[str, Any]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        sent = []
        for body in (
            b'{"currency": "GHS", "amount": 1e400}',
            json.dumps({"currency": "GHS", "amount": "1", "note": "a\u0000b", "test": "maybe"}).encode(),
            b'{"currency": "GHS", "amount": "5.00"}',
        ):
            connection.request(
                "POST",
                f"{OPS}/accounts/{account['id']}/fund",
                body=body,
                headers={**AUTH, "Content-Type": "application/json"},
            )
            answer = connection.getresponse()
            sent.append((answer.status, json.loads(answer.read()), answer.will_close, connection.sock))
        assert [status for status, *_ in sent] == [400, 400, 200]
        assert sent[0][1]["error"]["field"] == "amount" and sent[1][1]["error"]["field"] == "test"
        assert not any(will_close for _, _, will_close, _ in sent)
        assert sent[0][3] is sent[1][3] is sent[2][3]  # one socket for the three requests
    finally:
        connection.close()
