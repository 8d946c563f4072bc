"""A join code is an invitation: it shows and opens the transaction until someone joins, then
every route that takes a join code answers exactly as it does for a code that never existed
(status, code and body), for everyone, online and face to face. The parties read the
transaction by id."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest

from peerx.products.escrow.models import EscrowNotification
from tests.fixtures.factories.escrow import TP, Person, new_tx, person
from tests.fixtures.ledger import row_count
from tests.products.escrow.test_p2p import P2P, new_p2p

Route = Callable[[httpx.AsyncClient, str, Person], Awaitable[httpx.Response]]

ONLINE_ROUTES: dict[str, Route] = {
    "GET /transactions": lambda c, code, who: c.get(f"{TP}/transactions", params={"join_code": code}, headers=who.h),
    "PUT /transactions": lambda c, code, who: c.put(f"{TP}/transactions", params={"join_code": code}, headers=who.h),
    "POST /transactions-by-join-code/{code}/reject": lambda c, code, who: c.post(
        f"{TP}/transactions-by-join-code/{code}/reject", headers=who.h
    ),
}
P2P_ROUTES: dict[str, Route] = {
    "GET /p2p/me/transactions_by_join_code/{code}": lambda c, code, who: c.get(
        f"{P2P}/me/transactions_by_join_code/{code}", headers=who.h
    ),
    "GET /p2p/transactions_by_join_code/{code}": lambda c, code, who: c.get(
        f"{P2P}/transactions_by_join_code/{code}", headers=who.h
    ),
    "POST /p2p/transactions_by_join_code/{code}/join": lambda c, code, who: c.post(
        f"{P2P}/transactions_by_join_code/{code}/join", headers=who.h
    ),
    "POST /p2p/transactions_by_join_code/{code}/reject": lambda c, code, who: c.post(
        f"{P2P}/transactions_by_join_code/{code}/reject", headers=who.h
    ),
}


@pytest.fixture
async def stranger(platform, oauth_client) -> Person:  # type: ignore[no-untyped-def]
    return await person(platform, oauth_client, "stranger@example.com")


async def _same_as_unknown(
    client: httpx.AsyncClient, routes: dict[str, Route], code: str, people: list[Person]
) -> None:
    unknown_code = str(uuid.uuid4())  # shaped like a real one
    for name, route in routes.items():
        for who in people:
            used = await route(client, code, who)
            unknown = await route(client, unknown_code, who)
            assert used.status_code == unknown.status_code == 404, (name, who.email, used.text)
            assert used.content == unknown.content, (name, who.email)
            assert used.json() == {"code": "not_found", "error": "Not Found"}


async def test_an_online_code_works_until_the_buyer_joins_then_is_unknown(client, platform, seller, buyer, stranger):
    tx = await new_tx(client, seller)
    code = tx["join_code"]
    # Before anyone joins, whoever holds the code sees the invitation.
    for who in (seller, buyer, stranger):
        seen = await ONLINE_ROUTES["GET /transactions"](client, code, who)
        assert seen.status_code == 200 and seen.json()["id"] == tx["id"]

    joined = await ONLINE_ROUTES["PUT /transactions"](client, code, buyer)
    assert joined.status_code == 200 and joined.json()["buyer_id"] == buyer.id
    notifications = await row_count(platform, EscrowNotification)
    await _same_as_unknown(client, ONLINE_ROUTES, code, [stranger, buyer, seller])

    # The refused joins and rejections changed nothing; the parties still read it by id.
    for who in (buyer, seller):
        mine = await client.get(f"{TP}/transactions/{tx['id']}", headers=who.h)
        assert mine.status_code == 200 and mine.json()["status"] == "joined"
        assert mine.json()["buyer_id"] == buyer.id
    assert (await client.get(f"{TP}/transactions/{tx['id']}", headers=stranger.h)).status_code == 404
    assert await row_count(platform, EscrowNotification) == notifications


async def test_a_face_to_face_code_works_until_the_buyer_joins_then_is_unknown(
    client, platform, seller, buyer, stranger
):
    tx = await new_p2p(client, seller)
    code = tx["join_code"]
    for route in ("GET /p2p/me/transactions_by_join_code/{code}", "GET /p2p/transactions_by_join_code/{code}"):
        seen = await P2P_ROUTES[route](client, code, stranger)
        assert seen.status_code == 200 and seen.json()["id"] == tx["id"]

    joined = await P2P_ROUTES["POST /p2p/transactions_by_join_code/{code}/join"](client, code, buyer)
    assert joined.status_code == 200 and joined.json()["buyer_id"] == buyer.id
    notifications = await row_count(platform, EscrowNotification)
    await _same_as_unknown(client, P2P_ROUTES, code, [stranger, buyer, seller])

    for who in (buyer, seller):
        mine = await client.get(f"{P2P}/transactions/{tx['id']}", headers=who.h)
        assert mine.status_code == 200 and mine.json()["status"] == "joined"
        assert mine.json()["buyer_id"] == buyer.id
    assert (await client.get(f"{P2P}/transactions/{tx['id']}", headers=stranger.h)).status_code == 404
    assert await row_count(platform, EscrowNotification) == notifications


async def test_a_buyer_creators_code_is_used_up_by_the_seller_joining(client, seller, buyer, stranger):
    """The code invites whichever party the creator left open: here the seller."""
    tx = await new_tx(client, buyer, role="buyer")
    joined = await ONLINE_ROUTES["PUT /transactions"](client, tx["join_code"], seller)
    assert joined.status_code == 200 and joined.json()["seller_id"] == seller.id
    await _same_as_unknown(client, ONLINE_ROUTES, tx["join_code"], [stranger, seller, buyer])


async def test_a_retried_join_with_its_idempotency_key_still_gets_its_answer(client, seller, buyer):
    """A buyer whose answer was lost retries with the same key and gets the stored answer; the
    code itself is used up."""
    tx = await new_tx(client, seller)
    key = {"Idempotency-Key": "join-1"}
    first = await client.put(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=buyer.h | key)
    again = await client.put(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=buyer.h | key)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    fresh = await client.put(f"{TP}/transactions", params={"join_code": tx["join_code"]}, headers=buyer.h)
    assert fresh.status_code == 404
