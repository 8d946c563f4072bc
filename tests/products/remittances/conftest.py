"""Peex partners made the way an operator makes them, and requests sent the way the document's
sample sends them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from peerx.core.encoding import loads
from peerx.core.events import Event
from peerx.core.jobs import Job
from peerx.core.ledger import LedgerTransfer
from peerx.ops import actions
from peerx.ops.remittances import actions as remittance_ops
from peerx.platform import Platform
from peerx.products.remittances.models import Sender, Transaction
from peerx.products.remittances.partners import PartnerChanges
from tests.fixtures.ledger import row_counts

PEEX = "/peex/api/v3"

# The document's own request_payment sample, byte for byte in meaning.
SAMPLE: dict[str, Any] = {
    "track_id": "TEST202103019",
    "amount": 10,
    "aml_cft": 1,
    "fxrate": 1,
    "from_currency": "XAF",
    "to_currency": "XAF",
    "transaction_type": "mobile",
    "user_id": 375,
    "client_id": 1,
    "mobile_phone": "+237675287689",
    "sender_first_name": "signe",
    "sender_last_name": "paul",
    "sender_email": "raoulsigne@yahoo.fr",
    "sender_mobile_phone": "+237675287689",
    "sender_country": "CM",
    "to_country": "CM",
    "purpose": "Familial maintenance",
    "fund_origin": "Salary",
}
MTN_NUMBER = "+237675287689"  # 675: MTN Cameroon
ORANGE_NUMBER = "+237695287689"  # 695: Orange Cameroon


def body(**overrides: Any) -> dict[str, Any]:
    data = dict(SAMPLE)
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def auth(key: str) -> dict[str, str]:
    return {"SECRETKEY": key, "ACCESS-TOKEN": "{{token}}", "Content-Type": "application/json"}


async def pay(client: httpx.AsyncClient, key: str, **overrides: Any) -> httpx.Response:
    return await client.post(f"{PEEX}/clients/request_payment", json=body(**overrides), headers=auth(key))


def wire(resp: httpx.Response) -> Any:
    """The body with numbers as exact Decimals (1341.0 stays 1341.0)."""
    return loads(resp.content)


async def create_partner(platform: Platform, name: str = "Peex", email: str = "infos@peexit.com") -> dict[str, Any]:
    async with platform.db.transaction() as session:
        return await actions.create_account(platform, session, name=name, email=email)


async def fund(platform: Platform, account_id: int, amount: int | str, *, livemode: bool) -> None:
    async with platform.db.transaction() as session:
        await actions.fund_account(
            platform, session, account_id=account_id, currency="XAF", amount=Decimal(amount), livemode=livemode
        )


async def set_partner(platform: Platform, account_id: int, **changes: Any) -> dict[str, Any]:
    values = {k: Decimal(v) if k in ("mtn_fee", "orange_fee", "max_amount") else v for k, v in changes.items()}
    async with platform.db.transaction() as session:
        return await remittance_ops.set_partner(
            platform, session, account_id=account_id, changes=PartnerChanges(**values)
        )


async def set_float(platform: Platform, rail: str, amount: int, *, livemode: bool) -> dict[str, Any]:
    async with platform.db.transaction() as session:
        return await remittance_ops.set_float(
            platform, session, rail=rail, currency="XAF", amount=Decimal(amount), livemode=livemode
        )


async def solde(client: httpx.AsyncClient, key: str) -> Decimal:
    resp = await client.get(f"{PEEX}/clients/me", headers=auth(key))
    assert resp.status_code == 200, resp.text
    value: Decimal = wire(resp)["solde"]
    return value


async def request_of(client: httpx.AsyncClient, key: str, track_id: str) -> dict[str, Any]:
    resp = await client.get(f"{PEEX}/clients/all_requests", params={"track_id": track_id}, headers=auth(key))
    assert resp.status_code == 200, resp.text
    (row,) = resp.json()
    return dict(row)


async def count_rows(platform: Platform) -> dict[str, int]:
    """What a refused request must not leave behind."""
    tables = {"transactions": Transaction, "senders": Sender, "transfers": LedgerTransfer, "events": Event, "jobs": Job}
    return await row_counts(platform, tables)


async def event_statuses(platform: Platform, track_id: str | None = None) -> list[str]:
    """The statuses the events announced, in order (of one transaction, given its track_id)."""
    async with platform.db.transaction() as session:
        events = await session.scalars(
            select(Event).where(Event.surface == "peex").order_by(Event.created_at, Event.id)
        )
        return [
            e.type.removeprefix("request.") for e in events if track_id is None or loads(e.body)["track_id"] == track_id
        ]


@pytest.fixture
async def partner(platform: Platform) -> dict[str, Any]:
    return await create_partner(platform)


@pytest.fixture
def live_key(partner: dict[str, Any]) -> str:
    return str(partner["peex"]["secret_key"])


@pytest.fixture
def test_key(partner: dict[str, Any]) -> str:
    return str(partner["peex"]["test_secret_key"])
