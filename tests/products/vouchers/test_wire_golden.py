"""Byte for byte: every Peerwallet answer to a fixed run of client calls (success and error, form
and JSON, each endpoint, the receipt page) against golden/wire.json, which was captured from the
untyped routes before the wire models replaced them. Codes, order ids and the clock are fixed so
the bytes are too. To capture again (only for an intended change): PEERX_WRITE_GOLDEN=1."""

from __future__ import annotations

import itertools
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from peerx.core.clock import clock
from peerx.platform import Platform
from peerx.products.vouchers import service
from tests.fixtures.factories.vouchers import PW, pw_live, pw_test, vendor

GOLDEN = Path(__file__).parent / "golden" / "wire.json"
FIXED = datetime(2026, 1, 10, 12, 0, 0, tzinfo=UTC)
HEADERS = ("content-type", "retry-after", "idempotent-replayed", "cache-control", "content-security-policy")
ISSUE = {"quantity": "1", "amount": "5", "currency": "USD"}
BAD_ISSUE_FORMS: list[dict[str, str]] = [
    {"quantity": ""},
    {"quantity": "0"},
    {"quantity": "101"},
    {"quantity": "-1"},
    {"quantity": "1.5"},
    {"quantity": "five"},
    {"quantity": "³"},
    {"amount": ""},
    {"amount": "0"},
    {"amount": "0.99"},
    {"amount": "5000.01"},
    {"amount": "-20"},
    {"amount": "20.001"},
    {"amount": "twenty"},
    {"amount": "NaN"},
    {"amount": "Infinity"},
    {"currency": ""},
    {"currency": "EUR"},
    {"currency": "US Dollars"},
]
LENIENT_ISSUE_FORMS: list[dict[str, str]] = [
    {"quantity": " 5 "},
    {"quantity": "05"},
    {"quantity": "5.0"},
    {"amount": " 20 "},
    {"amount": "020"},
    {"amount": "20.10"},
    {"currency": " usd "},
]
BAD_ISSUE_JSON: list[dict[str, Any]] = [
    {"quantity": True, "amount": 20, "currency": "USD"},
    {"quantity": 2, "amount": False, "currency": "USD"},
    {"quantity": 2, "amount": [20], "currency": "USD"},
    {"quantity": 2, "amount": 20, "currency": 840},
    {"quantity": 2, "amount": 20, "currency": None},
    {"quantity": None, "amount": 20, "currency": "USD"},
    {"quantity": 2.5, "amount": 20, "currency": "USD"},
    {"quantity": {}, "amount": 20, "currency": "USD"},
    {"quantity": 2, "amount": 20, "currency": ["USD"]},
    {"quantity": 2, "amount": 20.001, "currency": "USD"},
]


def code(n: int) -> str:
    return f"{n:020d}"


@pytest.fixture
def fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: FIXED)
    codes, orders = itertools.count(1), itertools.count(1)
    monkeypatch.setattr(service, "new_code", lambda: code(next(codes)))
    monkeypatch.setattr(service, "new_order_id", lambda: f"ORDER{next(orders):05d}")


async def test_every_answer_is_byte_for_byte_what_it_was(
    client: httpx.AsyncClient, platform: Platform, fixed: None
) -> None:
    seller = await vendor(platform)
    customer = await vendor(platform, name="Esi", email="esi@example.com", live=None, test=None, permitted=False)
    stranger = await vendor(platform, name="Yaw", email="yaw@example.com", permitted=False)
    seller_key, customer_key = pw_live(seller), pw_live(customer)
    answers: list[dict[str, Any]] = []

    async def call(label: str, method: str, path: str, key: str | None = seller_key, **kw: Any) -> httpx.Response:
        headers = {**kw.pop("headers", {}), **({"api-private-key": key} if key is not None else {})}
        resp = await client.request(method, PW + path, headers=headers, **kw)
        answers.append(
            {
                "call": label,
                "status": resp.status_code,
                "headers": {name: resp.headers[name] for name in HEADERS if name in resp.headers},
                "body": resp.text,
            }
        )
        return resp

    post = "POST"
    # Issue: the document's call, form and JSON, every accepted spelling, replays, every refusal.
    first = await call("issue form", post, "/voucher-issue", data={"quantity": "5", "amount": "20", "currency": "USD"})
    await call("issue json", post, "/voucher-issue", json={"quantity": 2, "amount": 12.5, "currency": "usd"})
    await call(
        "issue json strings", post, "/voucher-issue", json={"quantity": "3", "amount": "25.50", "currency": "USD"}
    )
    await call("issue json 2.0", post, "/voucher-issue", json={"quantity": 2.0, "amount": 10.00, "currency": "USD"})
    await call(
        "issue json extra", post, "/voucher-issue", json={"quantity": 2, "amount": "20", "currency": "USD", "x": 1}
    )
    multipart = {name: (None, value) for name, value in ISSUE.items()}
    await call("issue multipart", post, "/voucher-issue", files=multipart)
    for n in range(1, 3):
        await call(f"issue idempotent {n}", post, "/voucher-issue", data=ISSUE, headers={"Idempotency-Key": "k1"})
    await call("issue idempotent json", post, "/voucher-issue", json={"quantity": 1, "amount": 5, "currency": "USD"},
               headers={"Idempotency-Key": "k1"})  # fmt: skip
    other = {**ISSUE, "quantity": "3"}
    await call("issue idempotent other", post, "/voucher-issue", data=other, headers={"Idempotency-Key": "k1"})
    await call("issue test key", post, "/voucher-issue", key=pw_test(seller), data=ISSUE)
    await call("issue without permission", post, "/voucher-issue", key=pw_live(stranger), data=ISSUE)
    await call("issue 402", post, "/voucher-issue", data={"quantity": "100", "amount": "5000", "currency": "USD"})
    await call(
        "issue 402 with 5.0", post, "/voucher-issue", data={"quantity": "5.0", "amount": "2000", "currency": "USD"}
    )
    await call("issue no key", post, "/voucher-issue", key=None, data=ISSUE)
    await call("issue unknown key", post, "/voucher-issue", key="pw_live_nope", data=ISSUE)
    await call("issue empty form", post, "/voucher-issue", data={})
    await call("issue no body", post, "/voucher-issue")
    for fields in BAD_ISSUE_FORMS:
        await call(f"issue form {fields}", post, "/voucher-issue", data={**ISSUE, **fields})
    for fields in LENIENT_ISSUE_FORMS:
        await call(f"issue form {fields}", post, "/voucher-issue", data={**ISSUE, **fields})
    for body in BAD_ISSUE_JSON:
        await call(f"issue json {body}", post, "/voucher-issue", json=body)
    as_json = {"content-type": "application/json"}
    await call("issue json list", post, "/voucher-issue", content=b"[1,2]", headers=as_json)
    await call("issue json broken", post, "/voucher-issue", content=b"{", headers=as_json)
    await call("issue json empty", post, "/voucher-issue", content=b"", headers=as_json)
    await call("issue GET", "GET", "/voucher-issue")
    await call("unknown path", post, "/voucher-nothing")

    # Order lookup, GET and POST.
    order = "ORDER00001"
    await call("order GET", "GET", f"/voucher-order?order_id={order}")
    await call("order GET lowercase", "GET", f"/voucher-order?order_id={order.lower()}")
    await call("order POST form", post, "/voucher-order", data={"order_id": order})
    await call("order POST json", post, "/voucher-order", json={"order_id": order})
    await call("order GET missing", "GET", "/voucher-order")
    await call("order GET empty", "GET", "/voucher-order?order_id=")
    await call("order GET long", "GET", "/voucher-order?order_id=ABCDEFGHIJK")
    await call("order GET by another", "GET", f"/voucher-order?order_id={order}", key=customer_key)
    await call("order GET unknown", "GET", "/voucher-order?order_id=PW-NONE")
    await call("order POST number", post, "/voucher-order", json={"order_id": 12345})
    await call("order POST boolean", post, "/voucher-order", json={"order_id": True})
    await call("order POST missing", post, "/voucher-order", data={})

    # Status and redemption.
    await call("status vendor", post, "/voucher-status", data={"voucher_code": code(1)})
    await call("status customer", post, "/voucher-status", key=customer_key, data={"voucher_code": code(1)})
    await call("status json", post, "/voucher-status", json={"voucher_code": code(1)})
    await call("status json number", post, "/voucher-status", json={"voucher_code": 1})
    await call("status dashed", post, "/voucher-status", data={"voucher_code": "0000-0000-0000-0000-0001"})
    for bad in (
        "",
        "1234",
        "1234567890123456789a",
        "123456789012345678901",
        "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠",
        "1" * 20,
        "x" * 61,
    ):
        await call(f"status {bad!r}", post, "/voucher-status", data={"voucher_code": bad})
    await call("status missing", post, "/voucher-status", data={})
    await call("redeem", post, "/voucher-redeem", key=customer_key, data={"voucher_code": code(2)})
    for n in range(1, 3):
        await call(f"redeem idempotent {n}", post, "/voucher-redeem", key=customer_key,
                   json={"voucher_code": code(3)}, headers={"Idempotency-Key": "r1"})  # fmt: skip
    await call("redeem again", post, "/voucher-redeem", key=customer_key, data={"voucher_code": code(2)})
    await call("redeem cents", post, "/voucher-redeem", key=customer_key, data={"voucher_code": code(6)})
    await call("status redeemed", post, "/voucher-status", data={"voucher_code": code(2)})

    # Void.
    named = f"{code(4)}, {code(5)}"
    await call("void named", post, "/voucher-void", data={"order_id": order, "voucher_codes": named})
    await call("void json list", post, "/voucher-void", json={"order_id": "ORDER00002", "voucher_codes": [code(7)]})
    await call("void redeemed", post, "/voucher-void", data={"order_id": order, "voucher_codes": code(2)})
    await call("void all", post, "/voucher-void", data={"order_id": "ORDER00003"})
    await call("void all again", post, "/voucher-void", data={"order_id": "ORDER00003"})
    await call("void blank codes", post, "/voucher-void", data={"order_id": "ORDER00009", "voucher_codes": " , "})
    await call("void without permission", post, "/voucher-void", key=customer_key, data={"order_id": order})
    await call("void missing", post, "/voucher-void", data={})
    await call("void bad code", post, "/voucher-void", data={"order_id": order, "voucher_codes": "123"})
    await call("void list of numbers", post, "/voucher-void", json={"order_id": order, "voucher_codes": [1, 2]})
    many = [code(n) for n in range(101)]
    await call("void 101 codes", post, "/voucher-void", json={"order_id": order, "voucher_codes": many})
    await call("void codes boolean", post, "/voucher-void", json={"order_id": order, "voucher_codes": True})
    await call("void codes object", post, "/voucher-void", json={"order_id": order, "voucher_codes": {}})
    await call("void codes null", post, "/voucher-void", json={"order_id": "ORDER00004", "voucher_codes": None})
    await call("order after", "GET", f"/voucher-order?order_id={order}")

    # The receipt page.
    token = first.json()["receipt_url"].split("token=")[1]
    await call("receipt", "GET", f"/receipt?token={token}", key=None)
    await call("receipt missing", "GET", "/receipt", key=None)
    await call("receipt forged", "GET", "/receipt?token=ORDER00001xx", key=None)

    if os.environ.get("PEERX_WRITE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert [a["call"] for a in answers] == [g["call"] for g in golden]
    for answer, expected in zip(answers, golden, strict=True):
        assert answer == expected, answer["call"]
