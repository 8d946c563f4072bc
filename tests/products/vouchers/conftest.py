"""Vendors made the way an operator makes them (account, transfer_funds, USD funding), calls made
the way a Peerwallet client makes them, and what a failed call must not leave behind."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from peerx.core import ledger
from peerx.core.events import Event
from peerx.core.jobs import Job
from peerx.core.ledger import LedgerTransfer
from peerx.core.mail import MailMessage
from peerx.ops import actions
from peerx.platform import Platform
from peerx.products.vouchers.models import Voucher, VoucherOrder
from tests.fixtures import factories as f
from tests.fixtures.ledger import available, row_counts
from tests.fixtures.smtp import SmtpServer, start_smtp

PW = "/peerwallet"


async def vendor(
    platform: Platform,
    *,
    name: str = "Kofi Vouchers",
    email: str = "kofi@example.com",
    live: str | None = "10000.00",
    test: str | None = "10000.00",
    permitted: bool = True,
) -> dict[str, Any]:
    account = await f.merchant(platform, name=name, email=email)
    async with platform.db.transaction() as session:
        if permitted:
            await actions.grant_permission(platform, session, account_id=account["id"], permission="transfer_funds")
    if live:
        await f.fund(platform, account["id"], live, "USD", livemode=True)
    if test:
        await f.fund(platform, account["id"], test, "USD", livemode=False)
    return account


def pw_live(account: dict[str, Any]) -> str:
    return str(account["peerwallet"]["api_private_key"])


def pw_test(account: dict[str, Any]) -> str:
    return str(account["peerwallet"]["test_api_private_key"])


async def issue(
    client: httpx.AsyncClient, key: str, *, as_json: bool = False, headers: dict[str, str] | None = None, **fields: Any
) -> httpx.Response:
    values = {"quantity": "5", "amount": "20", "currency": "USD", **{k: v for k, v in fields.items()}}
    values = {k: v for k, v in values.items() if v is not None}
    sent = {"api-private-key": key, **(headers or {})}
    if as_json:
        return await client.post(f"{PW}/voucher-issue", json=values, headers=sent)
    return await client.post(f"{PW}/voucher-issue", data=values, headers=sent)


async def call(client: httpx.AsyncClient, path: str, key: str, **values: Any) -> httpx.Response:
    return await client.post(f"{PW}/{path}", data=values, headers={"api-private-key": key})


def codes_of(response: httpx.Response) -> list[str]:
    return [code.strip() for code in response.json()["voucher_codes"].split(",")]


async def usd(platform: Platform, party_id: int, livemode: bool = True) -> int:
    return await available(platform, ledger.party_wallet(party_id, "USD", livemode))


async def count_rows(platform: Platform) -> dict[str, int]:
    """What a failed request must not leave behind."""
    tables = {
        "orders": VoucherOrder,
        "vouchers": Voucher,
        "transfers": LedgerTransfer,
        "events": Event,
        "mail": MailMessage,
        "jobs": Job,
    }
    return await row_counts(platform, tables)


async def event_types(platform: Platform) -> list[str]:
    async with platform.db.transaction() as session:
        return list(
            await session.scalars(select(Event.type).where(Event.surface == "peerwallet").order_by(Event.created_at))
        )


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(smtp: SmtpServer) -> dict[str, object]:
    return {"mail_backend": "smtp", "smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_security": "none"}


def cents(value: str) -> int:
    return int(Decimal(value) * 100)
