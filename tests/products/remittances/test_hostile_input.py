"""Hostile input over HTTP: every case is a 4xx in the Peex envelope naming the field, leaves no
transaction, sender, ledger transfer, job or event behind, and the connection stays usable.
Generated requests (hypothesis) check the same beyond the listed cases, through the success
path too."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.platform import Platform
from peerx.products.remittances.countries import ISO_3166_ALPHA2
from peerx.settings import Settings
from tests.fixtures.factories.remittances import PEEX, SAMPLE, auth, count_rows, create_partner, fund, solde
from tests.fixtures.ledger import verify_ledger
from tests.fixtures.live_server import LiveServer

FUNDED = 10_000_000


@pytest.fixture
async def funded(platform: Platform, partner: dict[str, Any]) -> dict[str, Any]:
    await fund(platform, partner["id"], FUNDED, livemode=False)
    return partner


def raw_body(replace: dict[str, str]) -> bytes:
    """The document's sample with some values replaced by raw JSON text (1e3, NaN, 2**64...)."""
    parts = []
    for name, value in SAMPLE.items():
        parts.append(f"{json.dumps(name)}: {replace.get(name, json.dumps(value))}")
    parts += [f"{json.dumps(name)}: {text}" for name, text in replace.items() if name not in SAMPLE]
    return ("{" + ", ".join(parts) + "}").encode()


BIG = str(2**64)

BODY_CASES: list[tuple[dict[str, str], str, str]] = [
    # amounts: the document's decimal form only
    ({"amount": "1e3"}, "amount", "amount must be a plain decimal number, without an exponent"),
    ({"amount": "1E3"}, "amount", "amount must be a plain decimal number, without an exponent"),
    ({"amount": "1e400"}, "amount", "amount must be a plain decimal number, without an exponent"),
    ({"amount": '"1e3"'}, "amount", "amount must be a number"),
    ({"amount": '"NaN"'}, "amount", "amount must be a number"),
    ({"amount": '"Infinity"'}, "amount", "amount must be a number"),
    ({"amount": '"\\u0661\\u0660\\u0660"'}, "amount", "amount must be a number"),  # Arabic-Indic 100
    ({"amount": '"\\uff11\\uff10\\uff10"'}, "amount", "amount must be a number"),  # full-width 100
    ({"amount": '"10\\u00b2"'}, "amount", "amount must be a number"),  # superscript two
    ({"amount": BIG}, "amount", "amount must be between 0 and 1000000000000"),
    ({"amount": "9" * 40}, "amount", "amount must be between 0 and 1000000000000"),
    ({"amount": f'"{BIG}"'}, "amount", "amount must be between 0 and 1000000000000"),
    ({"amount": "-10"}, "amount", "amount must be between 0 and 1000000000000"),
    ({"amount": '"-10"'}, "amount", "amount must be between 0 and 1000000000000"),
    ({"amount": "0"}, "amount", "amount must be greater than 0"),
    ({"amount": "10.5"}, "amount", "amount has more than 0 decimal places for XAF"),
    ({"amount": "10.000000001"}, "amount", "amount must have at most 8 decimal places"),
    ({"amount": "true"}, "amount", "amount must be a number"),
    ({"amount": "[10]"}, "amount", "amount must be a number"),
    ({"amount": '{"value": 10}'}, "amount", "amount must be a number"),
    ({"amount": "null"}, "amount", "amount is required"),
    # 64 bits: the conversion may not overflow a column
    (
        {"from_currency": '"USD"', "fxrate": "99999999", "amount": "999999999999"},
        "amount",
        "amount multiplied by fxrate must come to at most 1000000000000000 XAF",
    ),
    ({"from_currency": '"BTC"', "fxrate": "1", "amount": "100000000"}, "amount", "amount is too large for BTC"),
    # fxrate
    (
        {"from_currency": '"EUR"', "fxrate": "6.5e2"},
        "fxrate",
        "fxrate must be a plain decimal number, without an exponent",
    ),
    ({"from_currency": '"EUR"', "fxrate": '"NaN"'}, "fxrate", "fxrate must be a number"),
    ({"from_currency": '"EUR"', "fxrate": BIG}, "fxrate", "fxrate must be between 0 and 1000000000"),
    ({"from_currency": '"EUR"', "fxrate": "0.0000000000001"}, "fxrate", "fxrate must have at most 12 decimal places"),
    # phone numbers: ASCII digits only
    ({"mobile_phone": '"+237\\uff16\\uff17\\uff15287689"'}, "mobile_phone", "mobile_phone must be a complete phone"),
    ({"mobile_phone": '"+\\u0662\\u0663\\u0667675287689"'}, "mobile_phone", "mobile_phone must be a complete phone"),
    ({"mobile_phone": '"+237675\\n287689"'}, "mobile_phone", "mobile_phone must not contain control characters"),
    ({"mobile_phone": '"+237675287689\\u0000"'}, "mobile_phone", "mobile_phone must not contain control characters"),
    ({"sender_mobile_phone": '"+33\\u0666\\u0661\\u0662345678"'}, "sender_mobile_phone", "sender_mobile_phone must"),
    ({"mobile_phone": "237675287689"}, "mobile_phone", "mobile_phone must be a complete phone number"),
    # text: no control characters, no lone surrogates, bounded
    ({"purpose": '"Familial\\u0000maintenance"'}, "purpose", "purpose must not contain control characters"),
    ({"fund_origin": '"Salary\\u0007"'}, "fund_origin", "fund_origin must not contain control characters"),
    ({"track_id": '"T\\u0000"'}, "track_id", "track_id must not contain control characters"),
    ({"sender_first_name": '"si\\tgne"'}, "sender_first_name", "sender_first_name must not contain control characters"),
    ({"sender_last_name": '"pa\\u0085ul"'}, "sender_last_name", "sender_last_name must not contain control characters"),
    ({"first_name": '"\\ud800"'}, "first_name", "first_name must not contain control characters"),
    ({"last_name": '"\\u001b[31m"'}, "last_name", "last_name must not contain control characters"),
    ({"email": '"a\\u0000@example.com"'}, "email", "email must not contain control characters"),
    ({"purpose": json.dumps("x" * 256)}, "purpose", "purpose must be at most 255 characters"),
    ({"track_id": json.dumps("T" * 101)}, "track_id", "track_id must be at most 100 characters"),
    # wrongly typed fields
    ({"track_id": "[1]"}, "track_id", "track_id must be a string"),
    ({"track_id": '{"id": 1}'}, "track_id", "track_id must be a string"),
    ({"track_id": "1.5"}, "track_id", "track_id must be a string"),
    ({"purpose": "true"}, "purpose", "purpose must be a string"),
    ({"from_currency": "1"}, "from_currency", "from_currency must be a string"),
    ({"to_country": "true"}, "to_country", "to_country must be a string"),
    ({"sender_country": "null"}, "sender_country", "sender_country is required"),
    ({"aml_cft": "[true]"}, "aml_cft", "aml_cft must be true"),
    ({"aml_cft": '"true\\u0000"'}, "aml_cft", "aml_cft must be true"),
    ({"sender_email": "5"}, "sender_email", "sender_email must be an email address"),
    ({"sender_email": "5.5"}, "sender_email", "sender_email must be a string"),
    # the body itself
    ({"amount": "NaN"}, "body", "body must be valid JSON"),
    ({"amount": "Infinity"}, "body", "body must be valid JSON"),
    ({"user_id": "[" * 40 + "]" * 40}, "body", "body must not nest deeper than 32 levels"),
]


@pytest.mark.parametrize(("replace", "field", "message"), BODY_CASES)
async def test_hostile_bodies_are_refused_naming_the_field_and_leave_nothing(
    client: httpx.AsyncClient, platform: Platform, funded: dict[str, Any], test_key: str, replace, field, message
) -> None:
    before = await count_rows(platform)
    resp = await client.post(f"{PEEX}/clients/request_payment", content=raw_body(replace), headers=auth(test_key))
    assert resp.status_code == 422, resp.text
    error = resp.json()
    assert list(error) == ["status", "error", "message", "field"]
    assert (error["status"], error["error"], error["field"]) == (422, "invalid_field", field), error
    assert error["message"].startswith(message), error
    assert await count_rows(platform) == before
    assert await solde(client, test_key) == Decimal(FUNDED)  # and the client goes on


async def test_a_body_that_is_not_utf8_or_not_an_object_is_refused(client, platform, funded, test_key) -> None:
    before = await count_rows(platform)
    for content, message in (
        (b'{"track_id": "\xff"}', "body must be UTF-8"),
        (b"[1, 2]", "body must be a JSON object"),
        (b'"text"', "body must be a JSON object"),
        (b"", "body is required"),
    ):
        resp = await client.post(f"{PEEX}/clients/request_payment", content=content, headers=auth(test_key))
        assert resp.status_code == 422 and resp.json()["field"] == "body", resp.text
        assert resp.json()["message"] == message
    assert await count_rows(platform) == before


QUERY_CASES: list[tuple[str, int, str, str]] = [
    ("/all_requests/T%00", 422, "path", "path must not contain control characters"),
    ("/all_requests/T%0A", 422, "path", "path must not contain control characters"),
    ("/all_requests/T%0AX", 422, "path", "path must not contain control characters"),
    ("/all_requests?track_id=T%00", 422, "track_id", "track_id must not contain control characters"),
    ("/all_requests?track_id=" + "T" * 101, 422, "track_id", "track_id must be at most 100 characters"),
    ("/all_requests/" + "T" * 101, 422, "track_id", "track_id must be at most 100 characters"),
    ("/all_requests?page=%C2%B2", 422, "page", "page must be a whole number"),  # "²" passes isdigit()
    ("/all_requests?page=%D9%A3", 422, "page", "page must be a whole number"),  # Arabic-Indic three
    ("/all_requests?per_page=%EF%BC%91%EF%BC%90", 422, "per_page", "per_page must be a whole number"),  # full-width 10
    ("/all_requests?page=" + BIG, 422, "page", "page must be a whole number"),
    ("/all_requests?page=9223372036854775807", 422, "page", "page must be a whole number from 1 to 1000000"),
    ("/all_requests?page=-1", 422, "page", "page must be a whole number from 1 to 1000000"),
    ("/all_requests?page=1.5", 422, "page", "page must be a whole number"),
    ("/all_requests?page=1e3", 422, "page", "page must be a whole number"),
    ("/all_requests?per_page=1001", 422, "per_page", "per_page must be a whole number from 1 to 1000"),
    ("/all_requests?per_page=0", 422, "per_page", "per_page must be a whole number from 1 to 1000"),
]


@pytest.mark.parametrize(("path", "status", "field", "message"), QUERY_CASES)
async def test_hostile_paths_and_queries_are_refused_naming_the_parameter(
    client, platform, funded, test_key, path, status, field, message
) -> None:
    before = await count_rows(platform)
    resp = await client.get(f"{PEEX}/clients{path}", headers=auth(test_key))
    assert resp.status_code == status, resp.text
    assert resp.json() == {"status": status, "error": "invalid_field", "message": message, "field": field}
    assert await count_rows(platform) == before
    assert (await client.get(f"{PEEX}/clients/all_requests", headers=auth(test_key))).status_code == 200


async def test_blank_page_parameters_mean_the_defaults(client, funded, test_key) -> None:
    resp = await client.get(f"{PEEX}/clients/all_requests?page=&per_page=&track_id=", headers=auth(test_key))
    assert resp.status_code == 200 and resp.json() == []


async def test_the_connection_stays_usable_after_refusals(
    settings: Settings, platform: Platform, funded: dict[str, Any], test_key: str
) -> None:
    """Over a real socket: refusals answer without closing the keep-alive connection, and the
    next request on it is served."""
    server = LiveServer(settings)
    server.start()
    try:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=server.url, limits=limits) as http:
            hostile_body = raw_body({"purpose": '"a\\u0000"'})
            refusals = [
                ("POST", "/clients/request_payment", raw_body({"amount": "1e3"})),
                ("GET", "/clients/all_requests/T%00", b""),
                ("GET", "/clients/all_requests?page=%C2%B2", b""),
                ("POST", "/clients/request_payment", hostile_body),
            ]
            for method, path, content in refusals:
                resp = await http.request(method, f"{PEEX}{path}", content=content, headers=auth(test_key))
                assert resp.status_code == 422, resp.text
                assert resp.headers.get("connection", "").lower() != "close"
            resp = await http.post(f"{PEEX}/clients/request_payment", json=SAMPLE, headers=auth(test_key))
            assert resp.status_code == 200, resp.text
    finally:
        await asyncio.to_thread(server.stop)


# ---------------------------------------------------------------- generated requests

_TEXT = st.text(max_size=120)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(None), strategy)


_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "track_id": st.one_of(st.text(min_size=1, max_size=110), st.integers()),
    "amount": st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.from_regex(r"[0-9]{1,13}(\.[0-9]{1,9})?", fullmatch=True),
        _TEXT,
    ),
    "from_currency": st.sampled_from(["XAF", "USD", "EUR", "BTC", "xaf", "ZZZ", ""]),
    "fxrate": _maybe(st.one_of(st.decimals(min_value=0, max_value=10**10, places=6).map(str), st.integers())),
    "mobile_phone": st.one_of(st.from_regex(r"\+2376[0-9]{8}", fullmatch=True), _TEXT),
    "email": _maybe(st.one_of(st.emails(), _TEXT)),
    "sender_mobile_phone": st.one_of(st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True), _TEXT),
    "sender_first_name": _maybe(_TEXT),
    "sender_last_name": _maybe(_TEXT),
    "first_name": _maybe(_TEXT),
    "last_name": _maybe(_TEXT),
    "sender_email": _maybe(st.one_of(st.emails(), _TEXT)),
    "sender_country": st.one_of(st.sampled_from(sorted(ISO_3166_ALPHA2)), st.text(max_size=3)),
    "purpose": st.text(max_size=300),
    "fund_origin": st.text(max_size=300),
    "aml_cft": st.sampled_from([True, 1, "1", "true", False, 0, None, "yes"]),
    "user_id": st.recursive(st.none() | st.integers() | st.text(), lambda inner: st.lists(inner, max_size=3)),
}


@st.composite
def payment_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """The document's sample with some fields drawn from anything a client could send."""
    body = {**SAMPLE, "track_id": draw(st.uuids()).hex}  # a new track_id unless one is drawn
    for name in draw(st.sets(st.sampled_from(sorted(_FIELDS)), max_size=6)):
        value = draw(_FIELDS[name])
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return body


@pytest.fixture
def peex(settings: Settings) -> Iterator[tuple[asyncio.Runner, Platform, httpx.AsyncClient, str]]:
    """A funded partner and a client on their own event loop, for hypothesis to drive."""
    with asyncio.Runner() as runner:
        platform = build_platform(settings)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(platform=platform), raise_app_exceptions=False),
            base_url="http://peerx.test",
        )
        partner = runner.run(create_partner(platform))
        runner.run(fund(platform, partner["id"], 10**12, livemode=False))
        try:
            yield runner, platform, client, partner["peex"]["test_secret_key"]
        finally:
            runner.run(client.aclose())
            runner.run(platform.aclose())


async def _one(platform: Platform, client: httpx.AsyncClient, key: str, body: dict[str, Any]) -> None:
    before = await count_rows(platform)
    resp = await client.post(f"{PEEX}/clients/request_payment", content=json.dumps(body), headers=auth(key))
    assert resp.status_code in (200, 404, 422), resp.text
    event(f"status {resp.status_code}")
    if resp.status_code != 200:
        error = resp.json()
        assert error["status"] == resp.status_code
        if error["field"] is not None:
            assert error["message"].startswith(error["field"]), error
        assert await count_rows(platform) == before
        return
    created = resp.json()["request"]
    found = await client.get(
        f"{PEEX}/clients/all_requests", params={"track_id": created["track_id"]}, headers=auth(key)
    )
    assert found.status_code == 200 and found.json()[0]["id"] == created["id"], found.text
    await verify_ledger(platform)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=payment_bodies())
def test_generated_requests_answer_200_or_a_named_refusal(peex, body: dict[str, Any]) -> None:
    runner, platform, client, key = peex
    runner.run(_one(platform, client, key, body))


async def test_text_outside_the_control_characters_is_kept_as_sent(client, funded, test_key) -> None:
    purpose = "Famille \u00e9t\u00e9 \U0001f600 \u202e\u0645\u0635\u0631\u0648\u0641"
    body = {**SAMPLE, "track_id": "\u00c9-\U0001f600-1", "purpose": purpose, "sender_first_name": "Ng\u00f4"}
    resp = await client.post(f"{PEEX}/clients/request_payment", json=body, headers=auth(test_key))
    assert resp.status_code == 200, resp.text
    assert resp.json()["request"]["track_id"] == "\u00c9-\U0001f600-1"


async def test_an_idempotency_key_out_of_bounds_is_refused_naming_it(client, platform, funded, test_key) -> None:
    before = await count_rows(platform)
    for key, message in (
        ("k" * 256, "Idempotency-Key must be at most 255 characters"),
        (" ", "Idempotency-Key is required"),
    ):
        headers = {**auth(test_key), "Idempotency-Key": key}
        resp = await client.post(f"{PEEX}/clients/request_payment", json=SAMPLE, headers=headers)
        assert resp.status_code == 422, resp.text
        assert resp.json()["field"] == "Idempotency-Key" and resp.json()["message"] == message
    assert await count_rows(platform) == before


async def test_json_is_read_without_a_content_type_but_not_under_another_one(
    client, platform, funded, test_key
) -> None:
    content = json.dumps(SAMPLE).encode()
    resp = await client.post(f"{PEEX}/clients/request_payment", content=content, headers={"SECRETKEY": test_key})
    assert resp.status_code == 200, resp.text
    before = await count_rows(platform)
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        headers = {"SECRETKEY": test_key, "Content-Type": content_type}
        body = json.dumps({**SAMPLE, "track_id": content_type}).encode()
        resp = await client.post(f"{PEEX}/clients/request_payment", content=body, headers=headers)
        assert resp.status_code == 422 and resp.json()["field"] == "body", resp.text
    assert await count_rows(platform) == before
