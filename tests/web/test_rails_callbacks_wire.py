"""/rails/v1 against hostile input: the callbacks read MTN's transfer object and Orange's
notification strictly, ignore fields the providers add, refuse a malformed field by name (400,
nothing written, no job woken) and never tell whether a reference is known.
Runs on SQLite, and on PostgreSQL in CI's second pass (PEERX_TEST_DATABASE=postgresql)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from peerx.core.db import utcnow
from peerx.core.jobs import Job
from peerx.platform import Platform
from peerx.rails.models import RailPayout, RailPayToken
from tests.web.test_ops_wire import table_counts

MTN = "/rails/v1/mtn_momo/callback"
ORANGE = "/rails/v1/orange_money/notify"
NUL = "\u0000"


@pytest.fixture
async def payout(platform: Platform) -> str:
    """A payout reference sent to a rail, its job named, and an Orange payToken for it."""
    reference = str(uuid.uuid4())
    async with platform.db.transaction() as session:
        session.add(
            RailPayout(
                reference=reference,
                rail="mtn_momo",
                country="CM",
                job_kind="test.payout",
                job_payload={"reference": reference},
                last_hint_at=None,
                created_at=utcnow(),
            )
        )
        session.add(RailPayToken(reference=reference, pay_token="MP-TOKEN-1", created_at=utcnow()))
    return reference


async def woken(platform: Platform) -> int:
    async with platform.db.transaction() as session:
        return len(list(await session.scalars(select(Job).where(Job.kind == "test.payout"))))


def mtn_body(reference: str, **changes: Any) -> dict[str, Any]:
    body = {
        "financialTransactionId": "1234567890",
        "externalId": reference,
        "amount": "500",
        "currency": "XAF",
        "payee": {"partyIdType": "MSISDN", "partyId": "237675287689"},
        "payerMessage": "Peex remittance",
        "payeeNote": "Peex remittance",
        "status": "SUCCESSFUL",
    }
    body.update(changes)
    return body


def raw(text: str) -> dict[str, Any]:
    return {"content": text.encode(), "headers": {"Content-Type": "application/json"}}


# (path, request, the field the refusal names); {ref} is a known payout reference.
HOSTILE: list[tuple[str, dict[str, Any], str]] = [
    (MTN, {"json": {"externalId": f"{{ref}}{NUL}"}}, "externalId"),
    (MTN, {"json": {"referenceId": "x" * 101, "externalId": "{ref}"}}, "referenceId"),
    (MTN, {"json": {"externalId": "{ref}", "amount": "1e3"}}, "amount"),
    (MTN, raw('{"externalId": "{ref}", "amount": 1e400}'), "amount"),
    (MTN, {"json": {"externalId": "{ref}", "amount": "\u0665\u0660\u0660"}}, "amount"),
    (MTN, {"json": {"externalId": "{ref}", "reason": ["NOT_ENOUGH_FUNDS"]}}, "reason"),
    (MTN, {"json": {"externalId": "{ref}", "reason": {"code": f"X{NUL}"}}}, "reason.code"),
    (MTN, {"json": {"externalId": "{ref}", "payee": "237675287689"}}, "payee"),
    (MTN, {"json": {"externalId": "{ref}", "payee": {"partyId": {"n": 1}}}}, "payee.partyId"),
    (MTN, {"json": {"externalId": "{ref}", "status": {"value": "SUCCESSFUL"}}}, "status"),
    (MTN, {"json": {"externalId": "{ref}", "payerMessage": "x" * 1001}}, "payerMessage"),
    (MTN, {"json": {"externalId": True}}, "externalId"),
    (MTN, {"json": {"status": "SUCCESSFUL"}}, "referenceId"),
    (MTN, {"json": ["{ref}"]}, "body"),
    (MTN, raw("externalId={ref}"), "body"),
    (MTN, raw('{"externalId": "{ref}", "amount": NaN}'), "body"),
    (MTN, {}, "body"),
    (ORANGE, {"json": {"payToken": True}}, "payToken"),
    (ORANGE, {"json": {"payToken": f"MP-TOKEN-1{NUL}"}}, "payToken"),
    (ORANGE, {"json": {"data": "MP-TOKEN-1"}}, "data"),
    (ORANGE, {"json": {"data": {"payToken": f"MP{NUL}"}}}, "data.payToken"),
    (ORANGE, {"json": {"payToken": "MP-TOKEN-1", "amount": "1e3"}}, "amount"),
    (ORANGE, {"json": {"status": "SUCCESSFULL"}}, "payToken"),
    (ORANGE, {"json": {"data": {"status": "SUCCESSFULL"}}}, "payToken"),
]


def _fill(value: Any, ref: str) -> Any:
    if isinstance(value, str):
        return value.replace("{ref}", ref)
    if isinstance(value, bytes):
        return value.replace(b"{ref}", ref.encode())
    if isinstance(value, dict):
        return {k: _fill(v, ref) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ref) for v in value]
    return value


@pytest.mark.parametrize(("path", "request_", "field"), HOSTILE)
async def test_hostile_callbacks_are_refused_by_name_and_wake_nothing(
    client: httpx.AsyncClient, platform: Platform, payout: str, path: str, request_: dict[str, Any], field: str
) -> None:
    before = await table_counts(platform)
    resp = await client.post(path, **_fill(request_, payout))
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"].startswith(f"{field} "), resp.text
    assert await table_counts(platform) == before
    assert await woken(platform) == 0
    async with platform.db.transaction() as session:
        row = await session.get(RailPayout, payout)
        assert row is not None and row.last_hint_at is None


async def test_the_documents_bodies_wake_the_payout(client: httpx.AsyncClient, platform: Platform, payout: str) -> None:
    failed = mtn_body(payout, status="FAILED", reason={"code": "PAYEE_NOT_FOUND", "message": "Payee does not exist"})
    resp = await client.post(MTN, json={**failed, "referenceId": payout})
    assert resp.status_code == 200 and resp.content == b'{"received":true}'
    assert await woken(platform) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"payToken": "MP-TOKEN-1", "status": "SUCCESSFULL", "txnid": "CI220120.1234.A12345"},
        {"message": "Transaction effectuée", "data": {"payToken": "MP-TOKEN-1", "status": "FAILED", "amount": 1500}},
    ],
)
async def test_orange_notifications_wake_the_payout(
    client: httpx.AsyncClient, platform: Platform, payout: str, body: dict[str, Any]
) -> None:
    resp = await client.post(ORANGE, json=body)
    assert resp.status_code == 200 and resp.content == b'{"received":true}'
    assert await woken(platform) == 1


async def test_extra_fields_and_both_forms_of_reason_are_taken(
    client: httpx.AsyncClient, platform: Platform, payout: str
) -> None:
    for reason in ("NOT_ENOUGH_FUNDS", {"code": "NOT_ENOUGH_FUNDS", "message": "Not enough funds"}, None):
        body = mtn_body(payout, status="FAILED", reason=reason, newField={"nested": [1, {"deep": True}]})
        resp = await client.put(MTN, json=body)
        assert resp.status_code == 200 and resp.json() == {"received": True}
    assert await woken(platform) == 1  # the first woke the job; the others fell in the 5 s throttle


async def test_known_and_unknown_references_get_the_same_answer(
    client: httpx.AsyncClient, platform: Platform, payout: str
) -> None:
    known = await client.post(MTN, json=mtn_body(payout))
    unknown = await client.post(MTN, json=mtn_body(str(uuid.uuid4())))
    assert (known.status_code, known.content, known.headers.get("content-length")) == (
        unknown.status_code,
        unknown.content,
        unknown.headers.get("content-length"),
    )
    orange_known = await client.post(ORANGE, json={"payToken": "MP-TOKEN-1"})
    orange_unknown = await client.post(ORANGE, json={"payToken": "MP-NOT-OURS"})
    assert (orange_known.status_code, orange_known.content) == (orange_unknown.status_code, orange_unknown.content)
    assert await woken(platform) == 1  # the MTN one; Orange's fell in the throttle
