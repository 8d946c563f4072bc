"""The Peach wire contract over HTTP (issue 12): hostile input is refused with a 4xx in Peach's
envelope whose message names the field, leaves no rows, jobs, chain transactions or events
behind, and leaves the connection usable; the served OpenAPI document is complete."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

import httpx
from embit.psbt import PSBT
from sqlalchemy import select

from peerx.core.db import Base
from peerx.platform import Platform
from peerx.settings import Settings
from tests.fixtures.factories.bitcoin import PEACH, App
from tests.fixtures.live_server import LiveServer
from tests.products.bitcoin import contract_helpers as flow

WRITTEN = ("peach_", "chain_", "jobs", "events", "idempotency_keys", "webhook_deliveries", "stored_files")
INT64_OVER = "9223372036854775808"
BAD_OFFER_IDS = ["١٢", "²", "１２", "12a", "99999999999999999999", INT64_OVER, "-1", "0", "1.5", "1e3", "0x1f"]
BAD_CONTRACT_IDS = [
    "1-١",
    "²-1",
    "99999999999999999999-1",
    f"1-{INT64_OVER}",
    "1",
    "1-2-3",
    "0-1",
    "a-b",
    "1--2",
    "-1-2",
]
FORM = "FORM_INVALID"
CONTROLS = ["a\x00b", "a\x1bb", "a\x7fb", "a\u0085b", "a\x08b"]  # NUL, ESC, DEL, C1 NEL, backspace


async def snapshot(platform: Platform) -> dict[str, list[str]]:
    """Every row of the tables a Peach request may write, as text (any insert, update or delete shows)."""
    found: dict[str, list[str]] = {}
    async with platform.db.transaction() as session:
        for name, table in sorted(Base.metadata.tables.items()):
            if name.startswith(WRITTEN):
                found[name] = sorted(repr(tuple(row)) for row in (await session.execute(select(table))).all())
    return found


def refused(answer: httpx.Response, field: str, code: str = "FORM_INVALID", status: int = 400) -> None:
    """A 4xx in Peach's envelope whose message starts with the field's wire name."""
    assert answer.status_code == status, (field, answer.status_code, answer.text)
    body = answer.json()
    assert set(body) == {"error", "message"} and body["error"] == code, (field, body)
    assert body["message"].split(" ", 1)[0] == field, (field, body)
    assert not any(ch in body["message"] for ch in "\x00\x1b\x7f\x85\x08"), body


async def raw(app: App, method: str, path: str, content: str | bytes, content_type: str = "application/json") -> Any:
    headers = {**app.headers, "Content-Type": content_type}
    return await app.client.request(method, PEACH + path, content=content, headers=headers)


def with_literal(body: dict[str, Any], field: str, literal: str) -> str:
    """The body as JSON text with `field` set to a raw JSON literal (1e400, NaN, ...)."""
    return json.dumps({**body, field: "__LITERAL__"}).replace('"__LITERAL__"', literal)


# ---------------------------------------------------------------- the edge


async def test_control_characters_in_the_target_are_refused_in_the_envelope(client: httpx.AsyncClient) -> None:
    refused(await client.get(f"{PEACH}/user/ab%00cd"), "path", code="BAD_REQUEST")
    refused(await client.get(f"{PEACH}/offer/1%0A"), "path", code="BAD_REQUEST")
    refused(await client.get(f"{PEACH}/user/referral", params={"code": "A\x00B"}), "code", code="BAD_REQUEST")
    refused(await client.post(f"{PEACH}/offer/search?sortBy=lowestPremium%1b", json={}), "sortBy", code="BAD_REQUEST")
    assert (await client.get(f"{PEACH}/system/status")).status_code == 200


async def test_deep_and_malformed_json_is_a_bad_request(client: httpx.AsyncClient, platform: Platform) -> None:
    before = await snapshot(platform)
    deep = "[" * 50_000 + "]" * 50_000
    answer = await client.post(f"{PEACH}/user/register", content=deep, headers={"Content-Type": "application/json"})
    refused(answer, "body", code="BAD_REQUEST")
    assert "32 levels" in answer.json()["message"]
    objects = '{"a":' * 50_000 + "1" + "}" * 50_000
    refused(await client.post(f"{PEACH}/user/auth", content=objects), "body", code="BAD_REQUEST")
    for text in ("{", "[1, 2]", '"x"', "NaN", '{"publicKey": NaN}', '{"a": Infinity}', "\xff"):
        answer = await client.post(
            f"{PEACH}/user/register", content=text.encode("latin-1"), headers={"Content-Type": "application/json"}
        )
        refused(answer, "body", code="BAD_REQUEST")
    assert await snapshot(platform) == before


# ---------------------------------------------------------------- ids in paths


async def test_offer_contract_user_and_tx_ids_are_ascii_and_64_bit(app_factory: Any, platform: Platform) -> None:
    app = await app_factory()
    before = await snapshot(platform)
    for bad in BAD_OFFER_IDS:
        for method, path, body in (
            ("GET", "/offer/{}", None),
            ("GET", "/offer/{}/details", None),
            ("PATCH", "/offer/{}", {"premium": 1}),
            ("POST", "/offer/{}/cancel", None),
            ("GET", "/offer/{}/refundPSBT", None),
            ("POST", "/offer/{}/refund", {"tx": "00"}),
            ("POST", "/offer/{}/revive", None),
            ("POST", "/offer/{}/escrow", {"publicKey": app.id}),
            ("GET", "/offer/{}/escrow", None),
            ("POST", "/offer/{}/escrow/confirm", None),
            ("GET", "/offer/{}/matches", None),
            ("POST", "/offer/{}/match", flow.match_body("1")),
            ("DELETE", "/offer/{}/match", {"matchingOfferId": "1"}),
        ):
            answer = await app.client.request(method, PEACH + path.format(bad), json=body, headers=app.headers)
            refused(answer, "offerId")
    for bad in BAD_CONTRACT_IDS:
        for method, path, body in (
            ("GET", "/contract/{}", None),
            ("GET", "/contract/{}/chat", None),
            ("POST", "/contract/{}/chat", {"message": flow.KEY, "signature": flow.SIGNATURE}),
            ("POST", "/contract/{}/chat/received", {"start": 0, "end": 0}),
            ("POST", "/contract/{}/user/rate", {"rating": 1, "signature": "00"}),
            ("POST", "/contract/{}/payment/confirm", None),
            ("POST", "/contract/{}/cancel", None),
            ("POST", "/contract/{}/cancel/confirm", None),
            ("POST", "/contract/{}/cancel/reject", None),
            ("PATCH", "/contract/{}/cancel/extendTime", None),
            ("POST", "/contract/{}/dispute", {"reason": "other", "symmetricKeyEncrypted": flow.KEY}),
            ("POST", "/contract/{}/dispute/acknowledge", None),
            ("POST", "/contract/{}/dispute/acknowledgeOutcome", None),
        ):
            answer = await app.client.request(method, PEACH + path.format(bad), json=body, headers=app.headers)
            refused(answer, "contractId")
    for bad in ("xyz", "02" + "zz" * 32, "04" + "ab" * 32, app.id + "00", "０２" + app.id[2:]):
        refused(await app.client.get(f"{PEACH}/user/{bad}"), "userId")
        refused(await app.client.get(f"{PEACH}/user/{bad}/ratings"), "userId")
        refused(await app.get(f"/user/{bad}/status"), "userId")
        refused(await app.client.put(f"{PEACH}/user/{bad}/block", headers=app.headers), "userId")
    for bad in ("xyz", "ab" * 33, "ab" * 31 + "zz"):
        refused(await app.client.get(f"{PEACH}/tx/{bad}"), "txId")
    refused(await app.client.get(f"{PEACH}/market/price/BTC%E2%82%AC"), "pair")
    # Well-formed ids that do not exist are still NOT_FOUND.
    assert (await app.get(f"/offer/{INT64_OVER[:-1]}7/details")).json()["error"] == "NOT_FOUND"
    assert (await app.get("/contract/9223372036854775807-1")).json()["error"] == "NOT_FOUND"
    assert await snapshot(platform) == before


# ---------------------------------------------------------------- numbers


async def test_amounts_are_refused_in_any_form_but_their_own(app_factory: Any, platform: Platform) -> None:
    seller, buyer = await app_factory(), await app_factory()
    before = await snapshot(platform)
    sell, buy = seller.sell_body(), buyer.buy_body()
    cases: list[
        tuple[App, str, str, dict[str, Any], str, str, str]
    ] = []  # app, method, path, body, field, literal, code
    for literal in ("1e3", "1E5", "1e400", '"300000"', "true", "300000.0", "-1", "[300000]", "null", "{}"):
        cases.append((seller, "POST", "/offer", sell, "amount", literal, "FORM_INVALID"))
    for literal in (
        "[1e3, 2000000]",
        '["50000", 2000000]',
        "[50000]",
        "[50000, 2000000, 3]",
        "[true, 2000000]",
        "50000",
    ):
        cases.append((buyer, "POST", "/offer", buy, "amount", literal, "FORM_INVALID"))
    for literal in ("1e1", "8.123", '"abc"', "true", "21.5", '"8e0"', "[8]"):
        cases.append((seller, "POST", "/offer", sell, "premium", literal, "FORM_INVALID"))
    for literal in ("1e0", "1.001", "2", '"-1.5"', '"0.5e0"'):
        cases.append((buyer, "POST", "/offer", buy, "minReputation", literal, "FORM_INVALID"))
    for literal in ("1e400", "-1", '"77.3e1"', "false", "1" + "0" * 13):
        cases.append((buyer, "POST", "/offer/1/match", flow.match_body("1"), "price", literal, "FORM_INVALID"))
    for literal in ("true", "1.5", "0", "-3", f'"{INT64_OVER}"', '"١"', "{}"):
        cases.append(
            (buyer, "POST", "/offer/1/match", flow.match_body("1"), "matchingOfferId", literal, "FORM_INVALID")
        )
    for literal in ("true", '"1"', "1.0", "-1", "1e2"):
        cases.append((buyer, "POST", "/contract/1-2/chat/received", {"end": 3}, "start", literal, "FORM_INVALID"))
    for literal in ("true", '"1"', "1.0", "0", "1e0", "2", "null"):
        cases.append((buyer, "POST", "/contract/1-2/user/rate", {"signature": "00"}, "rating", literal, FORM))
    for literal in ('"1e3"', "1e3", "true", "0.0001", "0", "10001", '"fastest"', "[]"):
        cases.append((buyer, "PATCH", "/user", {}, "feeRate", literal, "FORM_INVALID"))
    for literal in ('"true"', "1", "null", '"yes"'):
        cases.append((buyer, "PATCH", "/user/batching", {}, "enableBatching", literal, "FORM_INVALID"))
    for literal in ("1e3", '"1000"', "[1, 2e9]", "true"):
        cases.append((buyer, "POST", "/offer/search", {}, "amount", literal, "FORM_INVALID"))
    for literal in ("NaN", "Infinity", "-Infinity"):  # not JSON at all
        cases.append((seller, "POST", "/offer", sell, "amount", literal, "BAD_REQUEST"))
        cases.append((seller, "POST", "/offer", sell, "premium", literal, "BAD_REQUEST"))
    for app, method, path, body, field, literal, code in cases:
        answer = await raw(app, method, path, with_literal(body, field, literal))
        refused(answer, field if code == "FORM_INVALID" else "body", code=code)
    for name, value in (("page", "١"), ("page", "-1"), ("page", INT64_OVER), ("size", "0"), ("size", "101")):
        refused(await buyer.post(f"/offer/search?{name}={value}", {}), name)
        refused(await buyer.get(f"/offer/1/matches?{name}={value}"), name)
    refused(await buyer.get("/contract/1-2/chat?page=²"), "page")
    assert await snapshot(platform) == before


# ---------------------------------------------------------------- text


def text_fields(app: App, other: App) -> Iterable[tuple[App, str, str, dict[str, Any], list[str]]]:
    """(app, method, path, a valid-looking body, the path to the text field inside it)."""
    auth = app.auth_body()
    yield app, "POST", "/user/register", {**auth, "uniqueId": "u1"}, ["uniqueId"]
    for field in ("publicKey", "message", "signature"):
        yield app, "POST", "/user/auth", auth, [field]
    user_patch = {"pgpPublicKey": flow.KEY, "message": "m", "pgpSignature": flow.SIGNATURE, "signature": "00"}
    for field in (*user_patch, "fcmToken", "referralCode", "feeRate"):
        yield app, "PATCH", "/user", user_patch, [field]
    yield app, "PATCH", "/user/referral/redeem/referralCode", {"code": "ABC"}, ["code"]
    yield app, "PATCH", "/user/paymentHash", {"hashes": ["ab" * 32]}, ["hashes", 0]
    report = {"email": "a@b.c", "topic": "t", "reason": "r", "message": "m"}
    for field in report:
        yield app, "POST", "/contact/report", report, [field]
    sell, buy = app.sell_body(), other.buy_body()
    yield app, "POST", "/offer", sell, ["returnAddress"]
    yield app, "POST", "/offer", sell, ["meansOfPayment", "EUR", 0]
    yield app, "POST", "/offer", sell, ["paymentData", "sepa", "hashes", 1]
    yield (
        app,
        "POST",
        "/offer",
        {**sell, "paymentData": {"sepa": {"hashes": [], "country": "DE"}}},
        [
            "paymentData",
            "sepa",
            "country",
        ],
    )
    yield other, "POST", "/offer", buy, ["releaseAddress"]
    yield other, "POST", "/offer", buy, ["messageSignature"]
    yield app, "PATCH", "/offer/1", {"refundTx": "cHNidP8"}, ["refundTx"]
    yield app, "POST", "/offer/search", {"type": "ask"}, ["type"]
    yield app, "POST", "/offer/search", {"meansOfPayment": {"EUR": ["sepa"]}}, ["meansOfPayment", "EUR", 0]
    yield app, "POST", "/offer/1/escrow", {"publicKey": app.id}, ["publicKey"]
    yield app, "POST", "/offer/1/refund", {"tx": "0200"}, ["tx"]
    match = {**flow.match_body("2"), **flow.double_match_body("2")}
    for field in ("matchingOfferId", "currency", "paymentMethod", "symmetricKeyEncrypted", "symmetricKeySignature"):
        yield app, "POST", "/offer/1/match", match, [field]
    for field in ("paymentDataEncrypted", "paymentDataSignature"):
        yield app, "POST", "/offer/1/match", match, [field]
    yield app, "DELETE", "/offer/1/match", {"matchingOfferId": "2"}, ["matchingOfferId"]
    yield app, "POST", "/contract/1-2/payment/confirm", {"releasePsbt": "cHNidP8"}, ["releasePsbt"]
    yield app, "POST", "/contract/1-2/payment/confirm", {"batchReleasePsbt": "cHNidP8"}, ["batchReleasePsbt"]
    yield (
        app,
        "POST",
        "/contract/1-2/payment/confirm",
        {"releaseTransactionSignature": "30" * 9},
        ["releaseTransactionSignature"],
    )
    yield app, "POST", "/contract/1-2/payment/confirm", {"releaseTransaction": "0200"}, ["releaseTransaction"]
    yield app, "POST", "/offer/search/summary", {"type": "ask"}, ["type"]
    dispute = {"reason": "other", "email": "a@b.c", "message": "m", "symmetricKeyEncrypted": flow.KEY}
    for field in dispute:
        yield app, "POST", "/contract/1-2/dispute", dispute, [field]
    yield app, "POST", "/contract/1-2/dispute/acknowledge", {"email": "a@b.c"}, ["email"]
    chat = {"message": flow.KEY, "signature": flow.SIGNATURE}
    for field in chat:
        yield app, "POST", "/contract/1-2/chat", chat, [field]
    yield app, "POST", "/contract/1-2/user/rate", {"rating": 1, "signature": "00"}, ["signature"]
    yield app, "POST", "/tx", {"tx": "0200"}, ["tx"]


def _set(body: dict[str, Any], path: list[Any], value: str) -> tuple[dict[str, Any], str]:
    """A deep copy of `body` with the text at `path` (keys or list indexes) poisoned; the field's wire name."""
    copy = json.loads(json.dumps(body))
    target: Any = copy
    for part in path[:-1]:
        target = target[part]
    last = path[-1]
    if isinstance(target, list):
        target[last] = value
    else:
        target[last] = (str(target.get(last, "")) or "x") + value
    return copy, ".".join(str(p) for p in path)


async def test_control_characters_are_refused_in_every_text_field(
    app_factory: Any, platform: Platform, client: httpx.AsyncClient
) -> None:
    app, other = await app_factory(), await app_factory()
    before = await snapshot(platform)
    count = 0
    for owner, method, path, body, where in text_fields(app, other):
        for poison in CONTROLS:
            poisoned, field = _set(body, where, poison)
            answer = await owner.client.request(method, PEACH + path, json=poisoned, headers=owner.headers)
            refused(answer, field)
            count += 1
    # The same in the chat's multipart form, in a dict key, and in POST tx's raw body.
    form = {"message": (None, flow.KEY + "\x00"), "signature": (None, flow.SIGNATURE)}
    refused(await client.post(f"{PEACH}/contract/1-2/chat", files=form, headers=app.headers), "message")
    key_answer = await app.post("/offer", app.sell_body(meansOfPayment={"EU\x00R": ["sepa"]}))
    refused(key_answer, "meansOfPayment.EU?R")
    refused(await raw(app, "POST", "/tx", "0200\x00", "text/plain"), "tx")
    assert count > 200
    assert await snapshot(platform) == before


async def test_text_is_bounded_and_stored_as_sent(app_factory: Any, platform: Platform) -> None:
    app = await app_factory()
    before = await snapshot(platform)
    too_long = [
        ("POST", "/contact/report", {"email": "a@b.c", "topic": "t" * 201, "reason": "r", "message": "m"}, "topic"),
        ("POST", "/contact/report", {"email": "a@b.c", "topic": "t", "reason": "r", "message": "m" * 5001}, "message"),
        ("PATCH", "/user", {"fcmToken": "f" * 501}, "fcmToken"),
        ("PATCH", "/user", {"referralCode": "R" * 17}, "referralCode"),
        ("POST", "/contract/1-2/chat", {"message": "m" * 100_001, "signature": flow.SIGNATURE}, "message"),
        ("PATCH", "/user/paymentHash", {"hashes": ["ab" * 32] * 1001}, "hashes"),
        (
            "POST",
            "/offer/1/match",
            {**flow.match_body("2"), "symmetricKeyEncrypted": "k" * 20_001},
            "symmetricKeyEncrypted",
        ),
    ]
    for method, path, body, field in too_long:
        refused(await app.client.request(method, PEACH + path, json=body, headers=app.headers), field)
    assert await snapshot(platform) == before
    # Multiline PGP text keeps its newlines and surrounding spaces (it is signed as sent).
    message = " Dear support,\r\n\tthe payment never arrived.\n"
    report = {"email": "a@b.c", "topic": "contract", "reason": "other", "message": message}
    assert (await app.post("/contact/report", report)).json() == {"success": True}
    rows = (await snapshot(platform))["peach_reports"]
    assert len(rows) == 1 and repr(message) in rows[0]


# ---------------------------------------------------------------- wrong types


async def test_wrongly_typed_fields_name_the_field(app_factory: Any, platform: Platform) -> None:
    app = await app_factory()
    before = await snapshot(platform)
    cases = [
        ("POST", "/user/auth", {**app.auth_body(), "publicKey": 123}, "publicKey"),
        ("POST", "/user/auth", {**app.auth_body(), "signature": ["00"]}, "signature"),
        ("POST", "/user/auth", {"message": "x", "signature": "00"}, "publicKey"),
        ("POST", "/offer", app.sell_body(meansOfPayment="EUR"), "meansOfPayment"),
        ("POST", "/offer", app.sell_body(meansOfPayment={"EUR": "sepa"}), "meansOfPayment.EUR"),
        ("POST", "/offer", app.sell_body(meansOfPayment={}), "meansOfPayment"),
        ("POST", "/offer", app.sell_body(paymentData={"sepa": "x"}), "paymentData.sepa"),
        ("POST", "/offer", app.sell_body(paymentData={"sepa": {"hashes": "x"}}), "paymentData.sepa.hashes"),
        ("POST", "/offer", app.sell_body(returnAddress=None), "returnAddress"),
        ("POST", "/offer", app.sell_body(type="swap"), "type"),
        ("POST", "/offer", {k: v for k, v in app.sell_body().items() if k != "type"}, "type"),
        ("POST", "/offer", app.sell_body(type=1), "type"),
        ("POST", "/offer/search", {"type": "sell"}, "type"),
        ("POST", "/offer/search", {"meansOfPayment": []}, "meansOfPayment"),
        ("PATCH", "/user/paymentHash", {"hashes": "ab"}, "hashes"),
        ("PATCH", "/user/paymentHash", {"hashes": [1]}, "hashes.0"),
        ("PATCH", "/user", {"pgpPublicKey": {"armored": "x"}}, "pgpPublicKey"),
        ("POST", "/contract/1-2/dispute", {"reason": "bored", "symmetricKeyEncrypted": flow.KEY}, "reason"),
        ("POST", "/contract/1-2/dispute", {"reason": ["other"], "symmetricKeyEncrypted": flow.KEY}, "reason"),
        ("POST", "/contract/1-2/chat/received", {"start": 0, "end": {"n": 1}}, "end"),
        ("POST", "/offer/1/match", {**flow.match_body("2"), "currency": 978}, "currency"),
    ]
    for method, path, body, field in cases:
        refused(await app.client.request(method, PEACH + path, json=body, headers=app.headers), field)
    for body in ([], "x", 1, None):
        answer = await app.client.post(f"{PEACH}/offer", json=body, headers=app.headers)
        refused(answer, "body", code="BAD_REQUEST")
    assert await snapshot(platform) == before


async def test_a_real_contract_refuses_hostile_steps_and_keeps_its_state(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer = await app_factory(), await app_factory()
    contract_id, sell_id, buy_id, _ = await flow.open_contract(seller, buyer, platform, run_jobs)
    before = await snapshot(platform)
    for app, path, body, field in (
        (buyer, "/chat", {"message": flow.KEY + "\x00", "signature": flow.SIGNATURE}, "message"),
        (seller, "/payment/confirm", {"releasePsbt": "not base64!"}, "releasePsbt"),
        (seller, "/dispute", {"reason": "other", "symmetricKeyEncrypted": "\x1b" + flow.KEY}, "symmetricKeyEncrypted"),
        (buyer, "/user/rate", {"rating": True, "signature": "00"}, "rating"),
        (buyer, "/chat/received", {"start": 0, "end": 1e3}, "end"),
    ):
        refused(await app.post(f"/contract/{contract_id}{path}", body), field)
    refused(await buyer.post(f"/offer/{buy_id}/match", {"matchingOfferId": f"{sell_id}\x00"}), "matchingOfferId")
    assert await snapshot(platform) == before
    assert (await buyer.get(f"/contract/{contract_id}")).json()["tradeStatus"] == "paymentRequired"
    # The document's multipart form carries a message of the largest size (beyond the 64 KB form limit).
    large = "-----BEGIN PGP MESSAGE-----\n\n" + "A" * 99_900 + "\n-----END PGP MESSAGE-----"
    form = {"message": (None, large), "signature": (None, flow.SIGNATURE)}
    posted = await buyer.client.post(f"{PEACH}/contract/{contract_id}/chat", files=form, headers=buyer.headers)
    assert posted.json() == {"success": True}, posted.text
    assert (await seller.get(f"/contract/{contract_id}/chat")).json()[0]["message"] == large

    # Release PSBTs crafted around the seller's signature: refused, never a crash (an empty
    # signature once raised IndexError), and nothing moves.
    assert (await buyer.post(f"/contract/{contract_id}/payment/confirm")).json() == {"success": True}
    stored = (await seller.get(f"/contract/{contract_id}")).json()["releasePsbt"]
    before = await snapshot(platform)
    for signature in (b"", b"\x01", b"\x30" * 80, b"\x00" * 72):
        crafted = PSBT.from_string(flow.seller_signs(seller, stored))
        for key in list(crafted.inputs[0].partial_sigs):
            crafted.inputs[0].partial_sigs[key] = signature
        answer = await seller.post(f"/contract/{contract_id}/payment/confirm", {"releasePsbt": crafted.to_string()})
        refused(answer, "releasePsbt", code="INVALID_SIGNATURE")
    for garbage in ("AAAA", base64.b64encode(b"psbt\xff" + bytes(40)).decode()):
        answer = await seller.post(f"/contract/{contract_id}/payment/confirm", {"releasePsbt": garbage})
        assert answer.status_code == 400 and answer.json()["error"] == "TRANSACTION_INVALID", answer.text
    refused(
        await seller.post(f"/contract/{contract_id}/payment/confirm", {"batchReleasePsbt": stored}), "batchReleasePsbt"
    )
    assert await snapshot(platform) == before


# ---------------------------------------------------------------- the connection and the document


def test_a_refused_request_leaves_the_connection_usable(settings: Settings) -> None:
    server = LiveServer(settings)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            ports = set()
            for send in (
                lambda: http.get(f"{PEACH}/user/ab%00cd"),
                lambda: http.post(f"{PEACH}/user/register", content="[" * 50_000 + "]" * 50_000),
                lambda: http.get(f"{PEACH}/offer/%D9%A1%D9%A2"),
                lambda: http.post(f"{PEACH}/offer/search", content='{"amount": 1e400}'),
                lambda: http.post(f"{PEACH}/offer/search", content='{"amount": NaN}'),
                lambda: http.post(f"{PEACH}/user/auth", json={"publicKey": "a\x00"}),
            ):
                answer = send()
                assert answer.status_code == 400 and answer.headers.get("connection") != "close", answer.text
                ok = http.get(f"{PEACH}/system/status")
                assert ok.status_code == 200 and ok.json()["status"] == "online"
                stream = ok.extensions["network_stream"]
                ports.add(stream.get_extra_info("socket").getsockname()[1])
            assert len(ports) == 1  # one keep-alive connection served them all
    finally:
        server.stop()


async def test_the_openapi_document_is_complete(client: httpx.AsyncClient) -> None:
    doc = (await client.get(f"{PEACH}/openapi.json")).json()
    assert doc["components"]["securitySchemes"]["PeachToken"] == {
        "type": "http",
        "description": "The accessToken from user/register or user/auth, valid 60 minutes.",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert doc["components"]["schemas"]["PeachError"]["required"] == ["error", "message"]
    public = {
        ("get", "/system/status"), ("get", "/info"), ("get", "/system/info"), ("get", "/info/paymentMethods"),
        ("get", "/market/price/{pair}"), ("get", "/market/prices"), ("get", "/user/referral"), ("get", "/tx/{txId}"),
        ("post", "/tx"), ("get", "/estimateFees"), ("post", "/user/register"), ("post", "/user/auth"),
        ("get", "/user/{userId}/ratings"), ("get", "/user/{userId}"),
    }  # fmt: skip
    optional = {("post", "/offer/search"), ("get", "/offer/{offerId}"), ("post", "/contact/report")}
    operations = [(m, p, op) for p, item in doc["paths"].items() for m, op in item.items()]
    assert len(operations) == 62  # + POST offer/search/summary (the app's market stats)
    for method, path, op in operations:
        assert op["responses"]["default"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/PeachError"
        }, path
        success = op["responses"]["200"]["content"]
        assert "application/json" in success or path == "/tx", path
        if (method, path) in public:
            assert "security" not in op, path
        elif (method, path) in optional:
            assert op["security"] == [{"PeachToken": []}, {}], path
        else:
            assert op["security"] == [{"PeachToken": []}], path
        assert op.get("summary"), path
    bodies = {(m, p) for m, p, op in operations if "requestBody" in op}
    assert {("post", "/offer"), ("post", "/offer/{offerId}/match"), ("post", "/contract/{contractId}/chat")} <= bodies
    chat = doc["paths"]["/contract/{contractId}/chat"]["post"]["requestBody"]["content"]
    assert set(chat) == {"application/json", "multipart/form-data"}
    offer = doc["paths"]["/offer"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert offer["discriminator"]["propertyName"] == "type"
    sell = doc["components"]["schemas"]["SellOfferRequest"]
    amount = sell["properties"]["amount"]
    assert (amount["type"], amount["minimum"], amount["maximum"]) == ("integer", 0, 2_100_000_000_000_000)
    assert sell["examples"][0]["returnAddress"] == "bcrt1qlwpcjuude4mlmnvpfhenkwh7rcw06xkcp3d8ds"
