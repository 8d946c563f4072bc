"""Escrow fixtures: a registered test-mode client, a buyer and a seller with operator-issued
tokens (the OAuth2 flow itself is driven in test_oauth.py), and small HTTP helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from peerx.core import ledger
from peerx.ops.escrow import actions as escrow_ops
from peerx.platform import Platform

TP = "/trustap/api/v1"
REDIRECT = "http://localhost:8765/callback"


@dataclass
class Person:
    id: int
    email: str
    token: str

    @property
    def h(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def op(platform: Platform, action: Any, **kwargs: Any) -> dict[str, Any]:
    async with platform.db.transaction() as session:
        result: dict[str, Any] = await action(platform, session, **kwargs)
        return result


TOKEN_SECONDS = 30 * 86_400  # tokens outlive the clock moves of lifecycle tests


@pytest.fixture
def settings(tmp_path, database_url):  # type: ignore[no-untyped-def]
    from tests.conftest import make_settings

    return make_settings(tmp_path, database_url, trustap_access_token_seconds=TOKEN_SECONDS)


@pytest.fixture
async def oauth_client(platform: Platform) -> dict[str, Any]:
    return await op(platform, escrow_ops.create_client, name="Shop App", redirect_uris=[REDIRECT], livemode=False)


async def person(platform: Platform, client: dict[str, Any], email: str, scope: str = "openid") -> Person:
    user = await op(platform, escrow_ops.create_user, email=email, password="correct horse", first="A", last="B")
    token = await op(platform, escrow_ops.issue_token, email=email, client_id=client["client_id"], scope=scope)
    return Person(user["id"], email, token["access_token"])


@pytest.fixture
async def seller(platform: Platform, oauth_client: dict[str, Any]) -> Person:
    return await person(platform, oauth_client, "seller@example.com")


@pytest.fixture
async def buyer(platform: Platform, oauth_client: dict[str, Any]) -> Person:
    return await person(platform, oauth_client, "buyer@example.com")


async def new_tx(
    client: httpx.AsyncClient, creator: Person, *, role: str = "seller", price: int = 1234
) -> dict[str, Any]:
    quote = (await client.get(f"{TP}/charge", params={"price": price, "currency": "usd"}, headers=creator.h)).json()
    resp = await client.post(
        f"{TP}/me/transactions",
        json={
            "role": role,
            "currency": "usd",
            "price": price,
            "description": "Soccer ticket",
            "charge": quote["charge"],
            "charge_calculator_version": quote["charge_calculator_version"],
        },
        headers=creator.h,
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def joined_tx(client: httpx.AsyncClient, seller: Person, buyer: Person, price: int = 1234) -> dict[str, Any]:
    tx = await new_tx(client, seller, price=price)
    resp = await client.put(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=buyer.h)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def post(client: httpx.AsyncClient, who: Person, tx_id: int, step: str, body: Any = None) -> httpx.Response:
    return await client.post(f"{TP}/transactions/{tx_id}/{step}", json=body, headers=who.h)


async def paid_tx(client: httpx.AsyncClient, seller: Person, buyer: Person, price: int = 1234) -> dict[str, Any]:
    tx = await joined_tx(client, seller, buyer, price)
    resp = await post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_visa"})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def delivered_tx(client: httpx.AsyncClient, seller: Person, buyer: Person, price: int = 1234) -> dict[str, Any]:
    tx = await paid_tx(client, seller, buyer, price)
    assert (
        await post(client, seller, tx["id"], "track", {"carrier": "ups", "tracking_code": "1Z999"})
    ).status_code == 200
    resp = await post(client, buyer, tx["id"], "confirm_delivery")
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def balance(platform: Platform, spec: ledger.AccountSpec) -> tuple[int, int]:
    """(posted balance, pending debits) of a ledger account; (0, 0) when it does not exist."""
    async with platform.db.transaction() as session:
        account = await ledger.find_account(session, spec)
        if account is None:
            return 0, 0
        return account.credits_posted - account.debits_posted, account.debits_pending


async def verify_ledger(platform: Platform) -> None:
    async with platform.db.transaction() as session:
        report = await ledger.verify(session)
    assert report.ok, report.problems


async def count(platform: Platform, model: Any) -> int:
    async with platform.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def error(resp: httpx.Response, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code and isinstance(body["error"], str) and body["error"], body
