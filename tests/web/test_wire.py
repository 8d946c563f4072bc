"""The shared wire rules: strict types, exact and bounded JSON, refusals in each surface's own
envelope naming the field, and an exhausted pool answered 503 at once."""

from __future__ import annotations

import asyncio
import io
import json
import time
from decimal import Decimal
from typing import Annotated, Any

import httpx
import pytest
from PIL import Image
from pydantic import ValidationError

from peerx.core.errors import InvalidField
from peerx.platform import Platform
from peerx.web import MAX_JSON_DEPTH, parse_json
from peerx.wire import (
    ASCII_SPACE,
    Amount,
    Blank,
    Boolean,
    Choice,
    Doc,
    ExponentDecimal,
    Flag,
    Id,
    Integer,
    Required,
    Text,
    WireDecimal,
    WireModel,
    ascii_digits,
)


class Sample(WireModel):
    id: Id | None = None
    quantity: Annotated[int, Integer(1, 100)] | None = None
    price: Annotated[Decimal, Amount(places=2)] | None = None
    name: Annotated[str, Text(20)] | None = None
    notes: Annotated[str, Text(200, multiline=True)] | None = None
    phone: Annotated[str, ascii_digits(9, 12)] | None = None
    test: Flag | None = None


def refusal(**fields: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(fields)
    error = caught.value.errors()[0]
    return f"{error['loc'][0]} {error['msg']}"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quantity": "³"}, "quantity must be a whole number"),  # passes str.isdigit()
        ({"quantity": "٣"}, "quantity must be a whole number"),  # Arabic-Indic three
        ({"quantity": True}, "quantity must be a whole number"),
        ({"quantity": Decimal("2.0")}, "quantity must be a whole number"),
        ({"quantity": 101}, "quantity must be a whole number from 1 to 100"),
        ({"id": 99999999999999999999}, f"id must be a whole number from 1 to {2**63 - 1}"),
        ({"id": "99999999999999999999"}, "id must be a whole number"),
        ({"price": "1e3"}, "price must be a number"),
        ({"price": ExponentDecimal("1e400")}, "price must be a plain decimal number, without an exponent"),
        ({"price": "١٠٠"}, "price must be a number"),  # Arabic-Indic digits
        ({"price": "12.345"}, "price must have at most 2 decimal places"),
        ({"price": "NaN"}, "price must be a number"),
        ({"price": 10**16}, "price must be between 0 and 1000000000000000"),
        ({"name": "ab\x00cd"}, "name must not contain control characters"),
        ({"name": "line\nbreak"}, "name must not contain control characters"),
        ({"name": "\ud800"}, "name must not contain control characters"),
        ({"name": "x" * 21}, "name must be at most 20 characters"),
        ({"name": 12}, "name must be a string"),
        ({"notes": "tab\there\x07"}, "notes must not contain control characters"),
        ({"phone": "2376\uff171234"}, "phone is not in the expected format"),  # a full-width digit
        ({"test": "no"}, "test must be true or false"),
    ],
)
def test_strict_types_refuse_by_name(fields: dict[str, Any], message: str) -> None:
    assert refusal(**fields) == message


def test_strict_types_accept_the_documents_forms() -> None:
    parsed = Sample.model_validate(
        {
            "id": "42",
            "quantity": 3,
            "price": "850.00",
            "name": "  Ama  ",
            "notes": "two\nlines",
            "phone": "237671234567",
            "test": "false",
        }
    )
    assert (parsed.id, parsed.quantity, parsed.price, parsed.name, parsed.phone) == (
        42,
        3,
        Decimal("850.00"),
        "Ama",
        "237671234567",
    )
    assert parsed.test is False  # "false" is false
    assert Sample.model_validate({"price": Decimal("12.50")}).price == Decimal("12.50")


class Variants(WireModel):
    """The markers' options, as the surfaces use them."""

    name: Annotated[str, Text(10, min_length=1), Required()] = "Ama"  # default: absent is fine here
    code: Annotated[str, Text(10, min_length=1), Required(blank=True)] = "X1"
    page: Annotated[int, Integer(1, 50), Blank(means=1)] = 1
    size: Annotated[Annotated[int, Integer(1, 50)] | None, Blank()] = None
    note: Annotated[Annotated[str, Text(10)] | None, Blank(strip_chars=None)] = None
    method: Annotated[str, Choice(("momo", "bank"))] | None = None
    status: Annotated[str, Choice(("pending", "approved"), "must be pending or approved")] | None = None
    sats: Annotated[int, Integer(0, 100, text=False)] | None = None
    price: Annotated[int, Integer(-100, 100, text=False, integral=True, int64_format=True)] | None = None
    stamp: Annotated[int, Integer(0, 100, integral=True, strip_chars=ASCII_SPACE)] | None = None
    card: (
        Annotated[
            Decimal,
            Amount(low=Decimal("-Infinity"), high=Decimal(100), above=Decimal(0), too_high="must be at most {high}"),
        ]
        | None
    ) = None
    payout: (
        Annotated[
            Decimal, Amount(low=Decimal("1.00"), too_low="must be at least {low}", too_high="must be at most {high}")
        ]
        | None
    ) = None
    rate: (
        Annotated[Decimal, Amount(places=2, high=Decimal(10), above=Decimal(0), not_above="must be a positive rate")]
        | None
    ) = None
    vid: Annotated[str, Text(10, numbers="any")] | None = None
    pid: Annotated[str, Text(10, numbers="plain")] | None = None
    iid: Annotated[str, Text(10, numbers="integers")] | None = None
    ascii: Annotated[str, Text(10, strip_chars=ASCII_SPACE)] | None = None
    flag: Annotated[bool, Boolean(strip_chars=ASCII_SPACE)] | None = None
    words: Annotated[str, Text(10), Doc("Said once.", examples=["x"])] | None = None


def variant_refusal(**fields: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        Variants.model_validate(fields)
    error = caught.value.errors()[0]
    return f"{error['loc'][0]} {error['msg']}"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": None}, "name is required"),  # JSON null: missing, not "must be a string"
        ({"name": "  "}, "name is required"),
        ({"name": 5}, "name must be a string"),
        ({"code": "  "}, "code is required"),
        ({"page": " "}, "page must be a whole number"),  # only the empty text is blank here
        ({"size": "0"}, "size must be a whole number from 1 to 50"),
        ({"note": "\x00"}, "note must not contain control characters"),
        ({"method": "cash"}, "method must be one of momo, bank"),
        ({"method": 1}, "method must be one of momo, bank"),
        ({"status": "Pending"}, "status must be pending or approved"),
        ({"sats": "5"}, "sats must be a whole number"),  # JSON integers only
        ({"sats": Decimal("5.0")}, "sats must be a whole number"),
        ({"sats": 101}, "sats must be a whole number from 0 to 100"),
        ({"price": "5"}, "price must be a whole number"),
        ({"price": Decimal("5.5")}, "price must be a whole number"),
        ({"price": ExponentDecimal("1e1")}, "price must be a whole number"),
        ({"price": 101}, "price must be a whole number from -100 to 100"),
        ({"stamp": " 5\x1c"}, "stamp must be a whole number"),  # ASCII white space only
        ({"card": 0}, "card must be greater than 0"),
        ({"card": "-5"}, "card must be greater than 0"),
        ({"card": 101}, "card must be at most 100"),
        ({"payout": "0.99"}, "payout must be at least 1.00"),
        ({"payout": 10**16}, "payout must be at most 1000000000000000"),
        ({"rate": -1}, "rate must be between 0 and 10"),
        ({"rate": "0.001"}, "rate must have at most 2 decimal places"),  # places come first
        ({"rate": 0}, "rate must be a positive rate"),
        ({"pid": ExponentDecimal("1e3")}, "pid must be a string"),
        ({"iid": Decimal("1.5")}, "iid must be a string"),
        ({"ascii": "ab\x1c"}, "ascii must not contain control characters"),  # refused, not dropped
        ({"flag": "true\x85"}, "flag must be true or false"),
    ],
)
def test_marker_options_refuse_in_the_products_words(fields: dict[str, Any], message: str) -> None:
    assert variant_refusal(**fields) == message


def test_marker_options_accept_what_they_say() -> None:
    parsed = Variants.model_validate(
        {
            "page": "",
            "size": "",
            "note": "   ",
            "method": "bank",
            "sats": 5,
            "price": Decimal("-7.0"),
            "stamp": " 12\t",
            "card": "0.01",
            "payout": "1.00",
            "rate": "0.5",
            "vid": ExponentDecimal("1e3"),
            "pid": Decimal("1.5"),
            "iid": 42,
            "ascii": " \tab\n",
            "flag": " False ",
        }
    )
    assert (parsed.page, parsed.size, parsed.note, parsed.method) == (1, None, None, "bank")
    assert (parsed.sats, parsed.price, parsed.stamp) == (5, -7, 12)
    assert (parsed.card, parsed.payout, parsed.rate) == (Decimal("0.01"), Decimal("1.00"), Decimal("0.5"))
    assert (parsed.vid, parsed.pid, parsed.iid, parsed.ascii, parsed.flag) == ("1E+3", "1.5", "42", "ab", False)
    assert Variants.model_validate({"page": "7", "note": " hi "}).model_dump(include={"page", "note"}) == {
        "page": 7,
        "note": "hi",
    }


def test_marker_schemas_state_each_rule_once() -> None:
    properties = Variants.model_json_schema()["properties"]

    def branch(name: str) -> dict[str, Any]:
        return next(option for option in properties[name]["anyOf"] if option != {"type": "null"})

    # Required and Blank leave the schema to the rule they guard.
    assert properties["name"] == {"type": "string", "maxLength": 10, "minLength": 1, "default": "Ama", "title": "Name"}
    assert properties["page"] == {"type": "integer", "minimum": 1, "maximum": 50, "default": 1, "title": "Page"}
    assert properties["size"]["anyOf"] == [{"type": "integer", "minimum": 1, "maximum": 50}, {"type": "null"}]
    assert branch("method") == {"type": "string", "enum": ["momo", "bank"]}
    assert branch("price") == {"type": "integer", "format": "int64", "minimum": -100, "maximum": 100}
    assert branch("card") == {"type": "number", "exclusiveMinimum": 0.0, "maximum": 100.0}
    assert branch("rate") == {"type": "number", "minimum": 0.0, "exclusiveMinimum": 0.0, "maximum": 10.0}
    assert branch("flag") == {"type": "boolean"}
    assert branch("words") == {"type": "string", "maxLength": 10, "description": "Said once.", "examples": ["x"]}
    assert Integer(int64_format=True).json_schema() == {"type": "integer", "format": "int64"}


def test_parse_json_is_exact_and_bounded() -> None:
    assert parse_json(b'{"a": 0.1000000000000000055511151231257827}') == {
        "a": Decimal("0.1000000000000000055511151231257827")
    }
    assert isinstance(parse_json(b'{"a": 1e3}')["a"], ExponentDecimal)
    for bad in (b'{"a": NaN}', b'{"a": Infinity}', b"\xff\xfe", b"{", b"[" * 50_000):
        with pytest.raises(json.JSONDecodeError):
            parse_json(bad)
    deep = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert parse_json(deep) is not None
    with pytest.raises(json.JSONDecodeError, match="nest"):
        parse_json(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))


def test_wire_decimal_answers_a_number_with_its_digits() -> None:
    from peerx.web import WireJSON

    class Answer(WireModel):
        amount: WireDecimal

    assert WireJSON(Answer(amount=Decimal("850.00"))).body == b'{"amount":850.00}'
    schema = Answer.model_json_schema(mode="serialization")
    assert schema["properties"]["amount"]["type"] == "number"


# ---------------------------------------------------------------- over HTTP, in each envelope


async def test_nul_in_path_or_query_is_a_4xx_in_each_envelope(client: httpx.AsyncClient) -> None:
    cases = [
        ("/peertupeer/api/v1/trade-status.php?reference=PTP%00", 400, "success"),
        ("/peach/v1/user/ab%00cd", 400, "error"),
        ("/peex/api/v3/clients/all_requests/ab%00", 422, "error"),  # Peex answers field errors 422
        ("/peerwallet/voucher-order?order_id=PW%00", 400, "message"),
        ("/trustap/api/v1/transactions/1?x=%01", 400, "code"),
        ("/ops/v1/ledger/verify?x%00y=1", 400, "error"),
    ]
    for path, status, envelope_key in cases:
        resp = await client.get(path)
        assert resp.status_code == status, (path, resp.status_code, resp.text)
        assert envelope_key in resp.json(), (path, resp.text)
        assert "control characters" in resp.text, (path, resp.text)


async def test_deeply_nested_json_is_refused_naming_the_body(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/peach/v1/user/register", content=b"[" * 50_000, headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400
    assert resp.json()["error"] in ("BAD_REQUEST", "FORM_INVALID")
    assert "body" in resp.json()["message"]


async def test_json_over_the_limit_is_413_in_the_envelope(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/peertupeer/api/v1/withdrawals.php",
        content=b'{"pad": "' + b"x" * (1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 413
    assert resp.json()["success"] is False and "too large" in resp.json()["message"]


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


def test_an_image_claiming_too_many_pixels_is_refused_before_decoding(platform: Platform) -> None:
    bomb = _png(8000, 8000)  # 64 MP in a few KB: over the 40 MP default
    assert len(bomb) < 200_000
    started = time.perf_counter()
    with pytest.raises(InvalidField) as caught:
        platform.files.check_image("front_image", bomb)
    assert caught.value.field == "front_image" and "pixels" in caught.value.reason
    assert time.perf_counter() - started < 1.0
    assert platform.files.check_image("front_image", _png(100, 100)) == "image/png"


@pytest.mark.pg
async def test_an_exhausted_pool_answers_503_with_retry_after_at_once(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    engine = platform.db.engine
    held = [await engine.connect() for _ in range(engine.pool.size() + engine.pool._max_overflow)]  # type: ignore[attr-defined]
    try:
        for _ in held:
            await _.exec_driver_sql("select 1")
        started = time.perf_counter()
        resp = await client.get("/peertupeer/api/v1/rates.php")
        elapsed = time.perf_counter() - started
    finally:
        await asyncio.gather(*(connection.close() for connection in held))
    assert resp.status_code == 503, resp.text
    assert resp.headers["retry-after"] == "1"
    assert resp.json() == {"success": False, "message": "The service is busy. Retry later."}
    assert elapsed < platform.settings.db_pool_timeout_seconds + 1.5
    assert (await client.get("/peertupeer/api/v1/rates.php")).status_code == 200  # and it recovers


async def test_console_forms_are_bounded_before_they_are_read(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/console/login",
        content=b"email=a&password=" + b"x" * (128 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 413 and "too large" in resp.text
    assert resp.headers["content-security-policy"].startswith("default-src 'self'")
