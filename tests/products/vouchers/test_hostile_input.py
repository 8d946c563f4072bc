"""Hostile input on every Peerwallet endpoint, over HTTP, form and JSON: Unicode digits, numbers
past 64 bits, exponents and NaN, NUL and other control characters, wrongly typed JSON fields,
oversized code lists. Each is a 400 in the surface's envelope whose message names the field, and
leaves nothing behind (no order, voucher, ledger transfer, event, mail or job; no money moved);
the connection stays usable. Runs on SQLite and, in CI's second pass, on PostgreSQL (which
refuses NUL in text outright, so anything that slipped through would be a 500 there)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from peerx.platform import Platform
from peerx.settings import Settings
from tests.fixtures.factories.vouchers import PW, codes_of, count_rows, issue, pw_live, usd, vendor
from tests.fixtures.ledger import verify_ledger
from tests.fixtures.live_server import LiveServer

QUANTITY = "quantity must be a whole number from 1 to 100."
AMOUNT_RANGE = "amount must be from 1 to 5000 USD."
NO_EXPONENT = "amount must be a plain decimal number, without an exponent."
GOOD_ISSUE = {"quantity": "1", "amount": "5", "currency": "USD"}
CODE = "48213907561238470915"
ORDER = "K3Q0D8ZC1M"
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f"]


def controlled(text: str, char: str) -> str:
    return text[:4] + char + text[4:]


# (fields over a valid issue, message): sent as a form (text) and as JSON (the same text).
ISSUE_TEXT_CASES: list[tuple[dict[str, str], str]] = [
    ({"quantity": "³"}, QUANTITY),
    ({"quantity": "٣"}, QUANTITY),  # Arabic-Indic three
    ({"quantity": "۵"}, QUANTITY),  # extended Arabic-Indic five
    ({"quantity": "５"}, QUANTITY),  # fullwidth five
    ({"quantity": "1٠"}, QUANTITY),
    ({"quantity": "+5"}, QUANTITY),
    ({"quantity": "1e1"}, QUANTITY),
    ({"quantity": "18446744073709551617"}, QUANTITY),  # 2**64 + 1
    ({"quantity": "9" * 40}, QUANTITY),
    ({"quantity": "9" * 5000}, QUANTITY),  # past Python's int() digit limit: never converted
    ({"quantity": "0" * 5000 + "5"}, QUANTITY),
    ({"amount": "1e3"}, NO_EXPONENT),
    ({"amount": "1E3"}, NO_EXPONENT),
    ({"amount": "1e400"}, NO_EXPONENT),
    ({"amount": "2.5e1"}, NO_EXPONENT),
    ({"amount": "NaN"}, "amount must be a number."),
    ({"amount": "-Infinity"}, "amount must be a number."),
    ({"amount": "1_000"}, "amount must be a number."),
    ({"amount": "+20"}, "amount must be a number."),
    ({"amount": "٢٠"}, "amount must be a number."),
    ({"amount": "18446744073709551617"}, AMOUNT_RANGE),
    ({"amount": "9" * 30 + ".99"}, AMOUNT_RANGE),
    ({"currency": "US\x00D"}, "currency must not contain control characters."),
    ({"currency": "U\x1bSD"}, "currency must not contain control characters."),
]

# JSON values no form can carry: (fields over a valid issue, message).
ISSUE_JSON_CASES: list[tuple[dict[str, Any], str]] = [
    ({"quantity": 2**64}, QUANTITY),
    ({"quantity": 10**30}, QUANTITY),
    ({"quantity": -(2**63)}, QUANTITY),
    ({"quantity": True}, QUANTITY),
    ({"quantity": {}}, QUANTITY),
    ({"quantity": [5]}, QUANTITY),
    ({"amount": 2**70}, AMOUNT_RANGE),
    ({"amount": -(2**70)}, AMOUNT_RANGE),
    ({"amount": True}, "amount must be a number."),
    ({"amount": {"value": 20}}, "amount must be a number."),
    ({"amount": [20]}, "amount must be a number."),
    ({"currency": True}, "currency must be a string."),
    ({"currency": {}}, "currency must be a string."),
    ({"currency": ["USD"]}, "currency must be a string."),
]

# Raw JSON bodies: numbers JSON cannot hold exactly, or at all.
ISSUE_RAW_JSON_CASES: list[tuple[bytes, str]] = [
    (b'{"quantity": 1e1, "amount": 5, "currency": "USD"}', QUANTITY),
    (b'{"quantity": 1, "amount": 1e3, "currency": "USD"}', NO_EXPONENT),
    (b'{"quantity": 1, "amount": 1e400, "currency": "USD"}', NO_EXPONENT),
    (b'{"quantity": 1, "amount": 1E-400, "currency": "USD"}', NO_EXPONENT),
    (b'{"quantity": 1, "amount": NaN, "currency": "USD"}', "body must be valid JSON."),
    (b'{"quantity": 1, "amount": Infinity, "currency": "USD"}', "body must be valid JSON."),
    (b'{"quantity": 1, "amount": 1' + b"0" * 5000 + b', "currency": "USD"}', "body must be valid JSON."),
    (b'{"quantity": 1, "amount": 5, "currency": "\\ud800SD"}', "currency must not contain control characters."),
    (b'{"quantity": 1, "amount": 5, "currency": "US\\u0000D"}', "currency must not contain control characters."),
]


@pytest.fixture
async def seller(platform: Platform) -> dict[str, Any]:
    return await vendor(platform)


async def refused(
    client: httpx.AsyncClient, platform: Platform, account: dict[str, Any], path: str, message: str, **sent: Any
) -> None:
    """A 400 naming the field, nothing written, no money moved, and the next call still served."""
    before, balance = await count_rows(platform), await usd(platform, account["id"])
    headers = {"api-private-key": pw_live(account), **sent.pop("headers", {})}
    resp = await client.request(sent.pop("method", "POST"), f"{PW}/{path}", headers=headers, **sent)
    assert (resp.status_code, resp.json()) == (400, {"status": 400, "message": message}), resp.text
    assert await count_rows(platform) == before
    assert await usd(platform, account["id"]) == balance


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize(("fields", "message"), ISSUE_TEXT_CASES, ids=[repr(c[0])[:40] for c in ISSUE_TEXT_CASES])
async def test_issue_refuses_hostile_text(client, platform, seller, fields, message, as_json):
    body = {**GOOD_ISSUE, **fields}
    sent = {"json": body} if as_json else {"data": body}
    await refused(client, platform, seller, "voucher-issue", message, **sent)


@pytest.mark.parametrize(("fields", "message"), ISSUE_JSON_CASES, ids=[repr(c[0])[:40] for c in ISSUE_JSON_CASES])
async def test_issue_refuses_wrongly_typed_json(client, platform, seller, fields, message):
    await refused(client, platform, seller, "voucher-issue", message, json={**GOOD_ISSUE, **fields})


@pytest.mark.parametrize(
    ("raw", "message"), ISSUE_RAW_JSON_CASES, ids=[c[0][:50].decode() for c in ISSUE_RAW_JSON_CASES]
)
async def test_issue_refuses_numbers_json_cannot_hold(client, platform, seller, raw, message):
    headers = {"content-type": "application/json"}
    await refused(client, platform, seller, "voucher-issue", message, content=raw, headers=headers)


async def test_repeated_or_file_fields_are_refused(client, platform, seller):
    repeated = b"quantity=1&quantity=100&amount=5&currency=USD"
    form = {"content-type": "application/x-www-form-urlencoded"}
    await refused(client, platform, seller, "voucher-issue", QUANTITY, content=repeated, headers=form)
    files = {"quantity": ("q.txt", b"1", "text/plain")}
    text = {"amount": "5", "currency": "USD"}
    await refused(
        client, platform, seller, "voucher-issue", "quantity must be a text field, not a file.", data=text, files=files
    )
    too_many = "&".join(f"f{n}=1" for n in range(30)).encode()
    await refused(
        client,
        platform,
        seller,
        "voucher-issue",
        "body could not be read (Too many fields. Maximum number of fields is 20).",
        content=too_many,
        headers=form,
    )
    await refused(
        client,
        platform,
        seller,
        "voucher-issue",
        "Idempotency-Key must be 1 to 255 characters, without control characters.",
        data=GOOD_ISSUE,
        headers={"Idempotency-Key": "k" * 256},
    )


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
async def test_control_characters_in_ids_and_codes_are_refused(client, platform, seller, char):
    issued = await issue(client, pw_live(seller), quantity=2, amount=10)
    order_id, code = issued.json()["order_id"], codes_of(issued)[0]
    bad_order, bad_code = controlled(order_id, char)[:10], controlled(code, char)
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("voucher-order", {"order_id": bad_order}, "order_id must not contain control characters."),
        ("voucher-status", {"voucher_code": bad_code}, "voucher_code must not contain control characters."),
        ("voucher-redeem", {"voucher_code": bad_code}, "voucher_code must not contain control characters."),
        ("voucher-void", {"order_id": bad_order}, "order_id must not contain control characters."),
        (
            "voucher-void",
            {"order_id": order_id, "voucher_codes": bad_code},
            "voucher_codes must not contain control characters.",
        ),
    ]
    for path, values, message in cases:
        await refused(client, platform, seller, path, message, data=values)  # a form
        await refused(client, platform, seller, path, message, json=values)  # a JSON object
    listed = {"order_id": order_id, "voucher_codes": [code, bad_code]}
    await refused(
        client, platform, seller, "voucher-void", "voucher_codes must not contain control characters.", json=listed
    )
    # The query string is refused at the edge, before any handler, naming the parameter.
    resp = await client.get(
        f"{PW}/voucher-order", params={"order_id": bad_order}, headers={"api-private-key": pw_live(seller)}
    )
    assert resp.status_code == 400 and resp.json()["message"] == "order_id must not contain control characters."
    # Nothing was redeemed or voided by any of it.
    lookup = await client.get(
        f"{PW}/voucher-order", params={"order_id": order_id}, headers={"api-private-key": pw_live(seller)}
    )
    assert [v["voucher_status"] for v in lookup.json()["vouchers"]] == ["active", "active"]


async def test_lone_surrogates_in_json_are_refused(client, platform, seller):
    for path, raw, message in [
        ("voucher-order", b'{"order_id": "K3Q0\\udc00D8ZC"}', "order_id must not contain control characters."),
        ("voucher-status", b'{"voucher_code": "4821\\ud800"}', "voucher_code must not contain control characters."),
        (
            "voucher-void",
            b'{"order_id": "K3Q0D8ZC1M", "voucher_codes": ["\\ud83d"]}',
            "voucher_codes must not contain control characters.",
        ),
    ]:
        await refused(
            client, platform, seller, path, message, content=raw, headers={"content-type": "application/json"}
        )


WRONG_TYPES: list[tuple[str, dict[str, Any], str]] = [
    ("voucher-order", {"order_id": {}}, "order_id must be a string."),
    ("voucher-order", {"order_id": [ORDER]}, "order_id must be a string."),
    ("voucher-order", {"order_id": True}, "order_id must be a string."),
    ("voucher-order", {"order_id": 2**80}, "order_id must be at most 10 characters."),
    ("voucher-status", {"voucher_code": {}}, "voucher_code must be a string."),
    ("voucher-status", {"voucher_code": [CODE]}, "voucher_code must be a string."),
    ("voucher-status", {"voucher_code": False}, "voucher_code must be a string."),
    ("voucher-status", {"voucher_code": 1.5}, "voucher_code must be a 20-digit voucher code."),
    ("voucher-redeem", {"voucher_code": {"code": CODE}}, "voucher_code must be a string."),
    ("voucher-redeem", {"voucher_code": None}, "voucher_code is required."),
    ("voucher-void", {"order_id": [ORDER]}, "order_id must be a string."),
    ("voucher-void", {"order_id": ORDER, "voucher_codes": True}, "voucher_codes must be a string."),
    ("voucher-void", {"order_id": ORDER, "voucher_codes": {}}, "voucher_codes must be a string."),
    ("voucher-void", {"order_id": ORDER, "voucher_codes": 12}, "voucher_codes must be a string."),
    (
        "voucher-void",
        {"order_id": ORDER, "voucher_codes": [int(CODE)]},
        "voucher_codes must be a comma-separated string of codes.",
    ),
    (
        "voucher-void",
        {"order_id": ORDER, "voucher_codes": [None]},
        "voucher_codes must be a comma-separated string of codes.",
    ),
    (
        "voucher-void",
        {"order_id": ORDER, "voucher_codes": [[CODE]]},
        "voucher_codes must be a comma-separated string of codes.",
    ),
    ("voucher-void", {"order_id": ORDER, "voucher_codes": [CODE] * 101}, "voucher_codes must name at most 100 codes."),
    (
        "voucher-void",
        {"order_id": ORDER, "voucher_codes": ", ".join([CODE] * 101)},
        "voucher_codes must name at most 100 codes.",
    ),
    (
        "voucher-void",
        {"order_id": ORDER, "voucher_codes": "1" * 3001},
        "voucher_codes must be at most 3000 characters.",
    ),
    (
        "voucher-void",
        {"order_id": ORDER, "voucher_codes": f"{CODE}, ٤٨٢١"},
        "voucher_codes must be a 20-digit voucher code.",
    ),
]


@pytest.mark.parametrize(
    ("path", "values", "message"), WRONG_TYPES, ids=[f"{c[0]}-{repr(c[1])[:30]}" for c in WRONG_TYPES]
)
async def test_wrongly_typed_json_fields_are_named(client, platform, seller, path, values, message):
    await issue(client, pw_live(seller), quantity=1, amount=10)  # something there to touch
    await refused(client, platform, seller, path, message, json=values)


async def test_codes_in_a_form_are_checked_however_they_come(client, platform, seller):
    issued = await issue(client, pw_live(seller), quantity=2, amount=10)
    order_id = issued.json()["order_id"]
    # The field repeated is a list of codes, each checked (this one is not of the order).
    repeated = urlencode([("order_id", order_id), *(("voucher_codes", CODE) for _ in range(19))]).encode()
    await refused(
        client,
        platform,
        seller,
        "voucher-void",
        "voucher_codes must all be codes of this order.",
        content=repeated,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    await refused(
        client,
        platform,
        seller,
        "voucher-void",
        "voucher_codes must name at most 100 codes.",
        data={"order_id": order_id, "voucher_codes": ",".join([CODE] * 101)},
    )
    assert all(v["voucher_status"] == "active" for v in (await _order(client, seller, order_id))["vouchers"])


async def _order(client: httpx.AsyncClient, account: dict[str, Any], order_id: str) -> dict[str, Any]:
    resp = await client.get(
        f"{PW}/voucher-order", params={"order_id": order_id}, headers={"api-private-key": pw_live(account)}
    )
    result: dict[str, Any] = resp.json()
    return result


async def test_after_all_that_the_vendor_is_served_and_the_ledger_is_whole(client, platform, seller):
    for fields, message in ISSUE_TEXT_CASES[:5]:
        await refused(client, platform, seller, "voucher-issue", message, data={**GOOD_ISSUE, **fields})
    assert (await issue(client, pw_live(seller), quantity=3, amount="12.50")).status_code == 200
    assert await usd(platform, seller["id"]) == 1_000_000 - 3_750
    await verify_ledger(platform)


# ---------------------------------------------------------------- over a real socket


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    live = LiveServer(settings)
    live.start()
    yield live
    live.stop()


async def test_one_keep_alive_connection_survives_every_refusal(server: LiveServer, platform, seller):
    """The same socket carries refusal after refusal, then a good order (keep-alive intact)."""
    key = pw_live(seller)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    hostile: list[tuple[str, bytes]] = [
        ("application/x-www-form-urlencoded", "quantity=٣&amount=5&currency=USD".encode()),
        ("application/x-www-form-urlencoded", b"quantity=1&amount=1e3&currency=USD"),
        ("application/x-www-form-urlencoded", b"quantity=1&amount=5&currency=US%00D"),
        ("application/json", b'{"quantity": 1, "amount": 1e400, "currency": "USD"}'),
        ("application/json", b'{"quantity": 1, "amount": NaN, "currency": "USD"}'),
        ("application/json", b'{"quantity": {"a": [1]}, "amount": 5, "currency": "USD"}'),
        ("application/json", b'{"quantity": 1, "amount": 5, "currency": "US\\u0000D"}'),
        ("application/json", b"[" * 40 + b"]" * 40),
    ]
    before = await count_rows(platform)
    try:
        connection.connect()
        sock = connection.sock
        for content_type, body in hostile:
            connection.request(
                "POST", f"{PW}/voucher-issue", body=body, headers={"api-private-key": key, "Content-Type": content_type}
            )
            answer = connection.getresponse()
            payload = json.loads(answer.read())
            assert answer.status == 400 and payload["status"] == 400, payload
            assert answer.getheader("connection", "").lower() != "close"
            assert connection.sock is sock  # the same connection, still open
        connection.request(
            "POST",
            f"{PW}/voucher-issue",
            body=b"quantity=1&amount=5&currency=USD",
            headers={"api-private-key": key, "Content-Type": "application/x-www-form-urlencoded"},
        )
        good = connection.getresponse()
        assert good.status == 200 and json.loads(good.read())["purchase_status"] == "success"
        assert connection.sock is sock
    finally:
        connection.close()
    after = await count_rows(platform)
    assert after["orders"] == before["orders"] + 1 and after["vouchers"] == before["vouchers"] + 1
