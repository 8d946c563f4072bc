"""Hostile input over HTTP, on every PeerTupeer route: Unicode digits, numbers past 64 bits,
exponents, NaN, control characters, wrongly typed JSON, a decompression bomb. Each is a 400 in
the document's envelope whose message starts with the field's name, and leaves nothing behind
(no rows, files, transfers, events, subscriptions or idempotency keys). Run on SQLite and, in CI,
on PostgreSQL, where a 20-digit id used to reach the database and fail there (a 500)."""

from __future__ import annotations

import functools
import struct
import zlib
from decimal import Decimal
from typing import Any

import pytest

from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories.giftcards import count_rows
from tests.fixtures.images import png

PTP = cards.PTP
INT64_MAX = 2**63 - 1


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def bomb_png(side: int = 40_000) -> bytes:
    """A valid PNG of side x side 1-bit pixels (1.6 billion for 40 000): about 190 KB on the wire,
    1.6 GB once decoded to 8-bit pixels."""
    row = bytes(1 + side // 8)  # filter byte + packed pixels, all zero
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row * 1000) for _ in range(side // 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def refused(resp: Any, field: str) -> None:
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["success"] is False and set(body) == {"success", "message"}, body
    assert body["message"].startswith(f"{field} "), body


async def wallet(client: Any, key: str) -> tuple[Decimal, Decimal]:
    data = (await client.get(f"{PTP}/wallet.php", headers={"X-API-Key": key})).json()["data"]
    return Decimal(str(data["available_balance"])), Decimal(str(data["held_balance"]))


# ---------------------------------------------------------------- query strings


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("trades.php", "per_page=\u00b2", "per_page"),  # "²".isdigit() is True; int("²") fails
        ("trades.php", "page=\u00b2", "page"),
        ("trades.php", "page=\u0661", "page"),  # Arabic-Indic one
        ("trades.php", "per_page=99999999999999999999", "per_page"),
        ("trades.php", "page=9223372036854775808", "page"),
        ("trades.php", "page=-1", "page"),
        ("trades.php", "per_page=1.0", "per_page"),
        ("trades.php", "status=pending%00", "status"),  # refused at the edge, named all the same
        ("trades.php", "status=PENDING", "status"),
        ("withdrawals.php", "per_page=\u00b3", "per_page"),
        ("withdrawals.php", "page=1e3", "page"),
        ("trade-status.php", "reference=PTP%00", "reference"),
        ("trade-status.php", "reference=" + "A" * 65, "reference"),
        ("trade-status.php", "reference=PTP%20123", "reference"),
        ("sandbox.php", "action=test-cards%0a", "action"),
    ],
)
async def test_bad_query_values_name_the_parameter(client, platform, live_key, path, query, field):
    before = await count_rows(platform)
    refused(await client.get(f"{PTP}/{path}?{query}", headers={"X-API-Key": live_key}), field)
    assert await count_rows(platform) == before


@pytest.mark.parametrize(
    "value",
    ["\u00b3", "\u0665", "9223372036854775808", "18446744073709551616", "99999999999999999999", "0", "-1", "5.0"],
)
async def test_delete_subscription_takes_only_a_64_bit_id(client, platform, live_key, value):
    created = await client.post(
        f"{PTP}/rate-updates.php", json={"url": "https://example.com/hook"}, headers={"X-API-Key": live_key}
    )
    assert created.status_code == 200
    before = await count_rows(platform)
    refused(await client.delete(f"{PTP}/rate-updates.php?id={value}", headers={"X-API-Key": live_key}), "id")
    assert await count_rows(platform) == before
    listed = (await client.get(f"{PTP}/rate-updates.php", headers={"X-API-Key": live_key})).json()["data"]
    assert len(listed) == 1  # still subscribed


async def test_largest_id_is_simply_not_found(client, live_key):
    resp = await client.delete(f"{PTP}/rate-updates.php?id={INT64_MAX}", headers={"X-API-Key": live_key})
    assert resp.status_code == 404 and resp.json() == {"success": False, "message": "Subscription not found."}


# ---------------------------------------------------------------- trades.php (multipart)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": "\u00b3"}, "quantity"),
        ({"quantity": "\u0663"}, "quantity"),
        ({"quantity": "1e1"}, "quantity"),
        ({"quantity": "99999999999999999999"}, "quantity"),
        ({"card_type_id": "99999999999999999999"}, "card_type_id"),
        ({"card_type_id": str(INT64_MAX + 1)}, "card_type_id"),
        ({"card_type_id": str(INT64_MAX)}, "card_type_id"),  # reaches the database: no such rate
        ({"card_type_id": "\u0661"}, "card_type_id"),
        ({"card_type_id": "0"}, "card_type_id"),
        ({"card_amount": "1e3"}, "card_amount"),
        ({"card_amount": "1E2"}, "card_amount"),
        ({"card_amount": "1e400"}, "card_amount"),
        ({"card_amount": "\u0661\u0660\u0660"}, "card_amount"),  # Arabic-Indic 100
        ({"card_amount": "\uff11\uff10\uff10"}, "card_amount"),  # fullwidth 100
        ({"card_amount": "Infinity"}, "card_amount"),
        ({"card_amount": "-0"}, "card_amount"),
        ({"card_amount": "1" * 40}, "card_amount"),
        ({"card_amount": "0x10"}, "card_amount"),
        ({"card_amount": "1_000"}, "card_amount"),
        ({"notes": "fine\x00hidden"}, "notes"),
        ({"notes": "bell\x07"}, "notes"),
        ({"notes": "csi\x9b2J"}, "notes"),
        ({"card_number": "4000\x000000"}, "card_number"),
        ({"card_number": "4000\n0001"}, "card_number"),
        ({"card_number": "4000\t0001"}, "card_number"),
        ({"country": "US\x00A"}, "country"),
        ({"country": "\x1b[31mUSA"}, "country"),
        ({"currency": "U\x00D"}, "currency"),
        ({"currency": "USD\x7f"}, "currency"),
    ],
)
async def test_bad_trade_fields_name_the_field_and_leave_nothing(client, platform, live_key, overrides, field):
    before = await count_rows(platform)
    refused(await cards.submit_trade(client, live_key, **overrides), field)
    assert await count_rows(platform) == before


async def test_notes_may_span_lines(client, live_key):
    resp = await cards.submit_trade(client, live_key, notes="line one\r\nline two\twith a tab")
    assert resp.status_code == 200, resp.text


async def test_decompression_bomb_is_refused_by_pixels_and_never_stored(client, platform, live_key):
    bomb = bomb_png()
    assert len(bomb) < 200 * 1024
    before = await count_rows(platform)
    resp = await cards.submit_trade(client, live_key, front_image=("front.png", bomb, "image/png"))
    refused(resp, "front_image")
    assert "pixels" in resp.json()["message"]
    assert await count_rows(platform) == before  # no file written, no row, no event


@pytest.mark.parametrize("field", ["front_image", "back_image", "receipt_image"])
async def test_a_text_part_where_a_file_belongs_is_refused(client, platform, live_key, field):
    data, files = cards.trade_form(**{field: None})
    data[field] = "not a file"
    before = await count_rows(platform)
    refused(await client.post(f"{PTP}/trades.php", data=data, files=files, headers={"X-API-Key": live_key}), field)
    assert await count_rows(platform) == before


async def test_a_file_part_where_text_belongs_is_refused(client, platform, live_key):
    data, files = cards.trade_form(card_amount=None)
    files["card_amount"] = ("amount.txt", b"100", "text/plain")
    before = await count_rows(platform)
    refused(
        await client.post(f"{PTP}/trades.php", data=data, files=files, headers={"X-API-Key": live_key}), "card_amount"
    )
    assert await count_rows(platform) == before


async def test_too_many_files_is_refused(client, platform, live_key):
    data, files = cards.trade_form(receipt_image=("r.png", png((1, 2, 3)), "image/png"))
    extra = {**files, "extra_image": ("x.png", png((3, 2, 1)), "image/png")}
    before = await count_rows(platform)
    resp = await client.post(f"{PTP}/trades.php", data=data, files=extra, headers={"X-API-Key": live_key})
    refused(resp, "body")
    assert await count_rows(platform) == before


# ---------------------------------------------------------------- withdrawals.php (JSON)

VALID = '{"amount": %s, "method": "mtn_momo", "account_name": %s, "account_number": %s%s}'


def withdrawal_json(
    amount: str = "500", name: str = '"John Doe"', number: str = '"0241234567"', extra: str = ""
) -> bytes:
    return (VALID % (amount, name, number, extra)).encode()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (withdrawal_json(amount="1e400"), "amount"),
        (withdrawal_json(amount="1e3"), "amount"),
        (withdrawal_json(amount="5E+2"), "amount"),
        (withdrawal_json(amount='"NaN"'), "amount"),
        (withdrawal_json(amount='"nan"'), "amount"),
        (withdrawal_json(amount='"Infinity"'), "amount"),
        (withdrawal_json(amount='"1e3"'), "amount"),
        (withdrawal_json(amount='"\u0665\u0660\u0660"'), "amount"),  # Arabic-Indic 500
        (withdrawal_json(amount="1" * 400), "amount"),
        (withdrawal_json(amount="true"), "amount"),
        (withdrawal_json(amount="null"), "amount"),
        (withdrawal_json(amount="{}"), "amount"),
        (withdrawal_json(amount="[500]"), "amount"),
        (withdrawal_json(amount='{"value": 500}'), "amount"),
        (withdrawal_json(amount="-500"), "amount"),
        (withdrawal_json(name='"John\\u0000Doe"'), "account_name"),
        (withdrawal_json(name='"John\\u001bDoe"'), "account_name"),
        (withdrawal_json(name='"John\\nDoe"'), "account_name"),
        (withdrawal_json(name='"\\ud800"'), "account_name"),  # a lone surrogate: no UTF-8 for it
        (withdrawal_json(name="5"), "account_name"),
        (withdrawal_json(name="true"), "account_name"),
        (withdrawal_json(name='["John"]'), "account_name"),
        (withdrawal_json(name='{"first": "John"}'), "account_name"),
        (withdrawal_json(name="null"), "account_name"),
        (withdrawal_json(number='"0241\\u0000234567"'), "account_number"),
        (withdrawal_json(number='"\u0660\u0662\u0664\u0661\u0662\u0663\u0664\u0665\u0666\u0667"'), "account_number"),
        (withdrawal_json(number="false"), "account_number"),
        (withdrawal_json(number="[241234567]"), "account_number"),
        (withdrawal_json(number="{}"), "account_number"),
        (withdrawal_json(extra=', "bank_name": {"x": 1}'), "bank_name"),
        (withdrawal_json(extra=', "bank_name": "GCB\\u0000"'), "bank_name"),
        (b'{"amount": 500, "method": ["mtn_momo"], "account_name": "A", "account_number": "0241234567"}', "method"),
        (b'{"amount": 500, "method": true, "account_name": "A", "account_number": "0241234567"}', "method"),
        (
            b'{"amount": 500, "method": {"id": "mtn_momo"}, "account_name": "A", "account_number": "0241234567"}',
            "method",
        ),
        (b'{"amount": NaN, "method": "mtn_momo", "account_name": "A", "account_number": "0241234567"}', "body"),
        (b'{"amount": Infinity, "method": "mtn_momo", "account_name": "A", "account_number": "0241234567"}', "body"),
        (b'{"amount": 500, "method": "mtn_momo", "account_name": "A", "account_number": "0241234567"', "body"),
        (b"[" * 40 + b"]" * 40, "body"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, "body"),
        (b'"just a string"', "body"),
        (b"\xff\xfe{}", "body"),
    ],
)
async def test_bad_withdrawal_json_names_the_field_and_holds_nothing(client, platform, merchant, test_key, raw, field):
    await f.fund(platform, merchant["id"], "800", livemode=False)
    before = await count_rows(platform)
    resp = await client.post(
        f"{PTP}/withdrawals.php",
        content=raw,
        headers={"X-API-Key": test_key, "Content-Type": "application/json", "Idempotency-Key": "hostile"},
    )
    refused(resp, field)
    assert await count_rows(platform) == before
    assert await wallet(client, test_key) == (Decimal("800.00"), Decimal("0.00"))


async def test_json_is_read_whatever_the_content_type(client, platform, merchant, test_key):
    """PHP's curl posts a string body as a form unless told otherwise; the JSON is read all the same."""
    await f.fund(platform, merchant["id"], "800", livemode=False)
    for content_type in (None, "application/x-www-form-urlencoded", "text/plain"):
        headers = {"X-API-Key": test_key, **({"Content-Type": content_type} if content_type else {})}
        resp = await client.post(f"{PTP}/withdrawals.php", content=withdrawal_json(amount="100"), headers=headers)
        assert resp.status_code == 200, (content_type, resp.text)
    assert await wallet(client, test_key) == (Decimal("500.00"), Decimal("300.00"))


async def test_idempotency_key_is_checked_by_name(client, platform, merchant, test_key):
    await f.fund(platform, merchant["id"], "800", livemode=False)
    before = await count_rows(platform)
    resp = await client.post(
        f"{PTP}/withdrawals.php",
        content=withdrawal_json(),
        headers={"X-API-Key": test_key, "Content-Type": "application/json", "Idempotency-Key": "k" * 256},
    )
    refused(resp, "Idempotency-Key")
    assert await count_rows(platform) == before


# ---------------------------------------------------------------- rate-updates.php (JSON)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"url": {"href": "https://example.com"}}', "url"),
        (b'{"url": ["https://example.com"]}', "url"),
        (b'{"url": true}', "url"),
        (b'{"url": 5}', "url"),
        (b'{"url": null}', "url"),
        (b'{"url": "https://example.com/\\u0000"}', "url"),
        (b'{"url": "https://example.com/\\r\\nX-Injected: 1"}', "url"),
        (b'{"url": "http://["}', "url"),
        (b'{"url": "http://[::1"}', "url"),
        (b'{"url": "http://example.com:99999/"}', "url"),
        (b'{"url": "https://' + b"a" * 2000 + b'.com/"}', "url"),
        (b"[]", "body"),
        (b"{", "body"),
    ],
)
async def test_bad_subscription_json_names_the_field_and_subscribes_nothing(client, platform, live_key, raw, field):
    before = await count_rows(platform)
    resp = await client.post(
        f"{PTP}/rate-updates.php", content=raw, headers={"X-API-Key": live_key, "Content-Type": "application/json"}
    )
    refused(resp, field)
    assert await count_rows(platform) == before


# ---------------------------------------------------------------- authentication comes first


async def test_a_missing_key_is_401_whatever_the_fields_say(client, merchant):
    """Well-formed bodies with bad values are judged only after the key."""
    for method, path, kwargs in (
        ("POST", "withdrawals.php", {"content": withdrawal_json(amount="1e400")}),
        ("POST", "rate-updates.php", {"json": {"url": 5}}),
        ("DELETE", "rate-updates.php?id=%C2%B3", {}),
        ("GET", "trades.php?per_page=%C2%B2", {}),
    ):
        resp = await client.request(method, f"{PTP}/{path}", **kwargs)
        assert resp.status_code == 401, (path, resp.text)
        assert resp.json() == {"success": False, "message": "Invalid API key or unauthorized access."}


# ---------------------------------------------------------------- the connection stays usable


def test_one_keep_alive_connection_survives_every_refusal(settings, platform, merchant, live_key):
    """Over a real socket (uvicorn, as `peerx serve`): each refusal is answered and the same
    connection then carries a normal request, answered from a database session that is usable."""
    import http.client

    import httpx

    from tests.fixtures.live_server import LiveServer

    def multipart(**overrides: Any) -> tuple[bytes, dict[str, str]]:
        data, files = cards.trade_form(**overrides)
        request = httpx.Request("POST", "http://x/", data=data, files=files)
        return request.read(), {"Content-Type": request.headers["content-type"]}

    key = {"X-API-Key": live_key}
    json_type = {**key, "Content-Type": "application/json"}
    hostile: list[tuple[str, str, bytes | None, dict[str, str]]] = [
        ("GET", "trades.php?per_page=%C2%B2", None, key),
        ("DELETE", "rate-updates.php?id=99999999999999999999", None, key),
        ("POST", "withdrawals.php", withdrawal_json(amount="1e400"), json_type),
        ("POST", "withdrawals.php", withdrawal_json(amount='"NaN"'), json_type),
        ("POST", "withdrawals.php", withdrawal_json(name='"A\\u0000B"'), json_type),
        ("POST", "rate-updates.php", b'{"url": "http://["}', json_type),
    ]
    for overrides in ({"card_type_id": "99999999999999999999"}, {"quantity": "\u00b3"}, {"notes": "a\x00b"}):
        body, headers = multipart(**overrides)
        hostile.append(("POST", "trades.php", body, {**key, **headers}))
    body, headers = multipart(front_image=("front.png", bomb_png(), "image/png"))
    hostile.append(("POST", "trades.php", body, {**key, **headers}))

    server = LiveServer(settings)
    server.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.connect()
        socket_before = connection.sock
        for method, path, content, headers in hostile:
            connection.request(method, f"{PTP}/{path}", body=content, headers=headers)
            answer = connection.getresponse()
            assert answer.status == 400, (path, answer.read())
            assert answer.getheader("Connection") != "close"
            answer.read()
            connection.request("GET", f"{PTP}/wallet.php", headers=key)
            follow_up = connection.getresponse()
            assert follow_up.status == 200 and b'"success":true' in follow_up.read()
            assert connection.sock is socket_before  # the same connection, never reopened
        connection.close()
    finally:
        server.stop()
