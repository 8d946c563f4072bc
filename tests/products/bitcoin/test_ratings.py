"""Rating the counterparty after a completed trade, and reputation from real history: ratings
received, trades completed, disputes won and lost (docs/bitcoin.md, "Reputation")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from peerx.platform import Platform
from peerx.products.bitcoin.models import Contract, PeachOffer, PeachRating, PeachUser
from tests.fixtures.factories.bitcoin import PEACH, App
from tests.products.bitcoin.social import complete, dispute, open_contract, record_again


def rating_body(rater: App, rated: App, rating: int) -> dict[str, Any]:
    return {"rating": rating, "signature": rater.sign(rated.id)}  # sha256 of the counterparty's id


async def profile(app: App, user: App) -> dict[str, Any]:
    answer = await app.client.get(f"{PEACH}/user/{user.id}")
    assert answer.status_code == 200
    data: dict[str, Any] = answer.json()
    return data


async def user_row_id(platform: Platform, app: App) -> int:
    async with platform.db.transaction() as session:
        found = await session.scalar(select(PeachUser.id).where(PeachUser.public_key == app.id))
        assert found is not None
        return found


async def test_both_parties_rate_once_and_reputation_follows(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer = await app_factory(), await app_factory()
    contract = await open_contract(platform, run_jobs, seller, buyer)
    early = await seller.post(f"/contract/{contract}/user/rate", rating_body(seller, buyer, 1))
    assert early.status_code == 400 and early.json()["error"] == "BAD_REQUEST"  # not completed yet
    await complete(seller, buyer, contract)  # match -> pay -> release on the sandbox chain, over HTTP

    assert (await seller.post(f"/contract/{contract}/user/rate", rating_body(seller, buyer, 1))).json() == {
        "success": True
    }
    assert (await buyer.post(f"/contract/{contract}/user/rate", rating_body(buyer, seller, -1))).status_code == 200
    again = await seller.post(f"/contract/{contract}/user/rate", rating_body(seller, buyer, -1))
    assert again.status_code == 409 and again.json()["error"] == "DUPLICATE"

    view = (await buyer.get(f"/contract/{contract}")).json()
    assert view["ratingBuyer"] == 1 and view["ratingSeller"] == -1
    ratings = (await buyer.client.get(f"{PEACH}/user/{buyer.id}/ratings")).json()
    assert ratings == [
        {
            "creationDate": ratings[0]["creationDate"],
            "rating": 1,
            "ratedBy": seller.id,
            "signature": rating_body(seller, buyer, 1)["signature"],
        }
    ]
    assert [r["rating"] for r in (await buyer.client.get(f"{PEACH}/user/{seller.id}/ratings")).json()] == [-1]

    got = await profile(buyer, buyer)
    assert got["trades"] == 1 and got["ratingCount"] == 1
    assert {k: got[k] for k in ("rating", "userRating", "recentRating", "historyRating", "peachRating")} == {
        "rating": 1, "userRating": 1, "recentRating": 1, "historyRating": 1, "peachRating": 1,
    }  # fmt: skip
    assert got["disputes"] == {"opened": 0, "won": 0, "lost": 0} and got["medals"] == []
    got = await profile(buyer, seller)
    # userRating -1 (counted twice), recentRating -1, historyRating 1: (-2 - 1 + 1) / 4.
    assert Decimal(str(got["rating"])) == Decimal("-0.5") and got["userRating"] == -1 and got["peachRating"] == 0
    me = (await seller.get("/user/me")).json()
    assert me["rating"] == got["rating"] and me["trades"] == 1 and me["ratingCount"] == 1

    # Search reads reputation from the offers: both parties' offers carry the new value (copied
    # right after the commit, by a job).
    await run_jobs()
    expected = {await user_row_id(platform, seller): -500, await user_row_id(platform, buyer): 1000}
    async with platform.db.transaction() as session:
        rows = await session.execute(select(PeachOffer.user_id, PeachOffer.rating_milli))
        assert {user_id: rating for user_id, rating in rows} == expected


async def test_rate_refuses_bad_input_and_leaves_nothing(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer, outsider = await app_factory(), await app_factory(), await app_factory()
    contract = await open_contract(platform, run_jobs, seller, buyer)
    await complete(seller, buyer, contract)
    cases = [
        ({"rating": 0, "signature": seller.sign(buyer.id)}, 400, "FORM_INVALID", "rating"),
        ({"rating": True, "signature": seller.sign(buyer.id)}, 400, "FORM_INVALID", "rating"),
        ({"rating": "1", "signature": seller.sign(buyer.id)}, 400, "FORM_INVALID", "rating"),
        ({"rating": 1}, 400, "FORM_INVALID", "signature"),
        ({"rating": 1, "signature": seller.sign(seller.id)}, 400, "INVALID_SIGNATURE", "signature"),
        ({"rating": 1, "signature": buyer.sign(buyer.id)}, 400, "INVALID_SIGNATURE", "signature"),
        ({"rating": 1, "signature": "zz"}, 400, "INVALID_SIGNATURE", "signature"),
    ]
    for body, status, code, field in cases:
        answer = await seller.post(f"/contract/{contract}/user/rate", body)
        assert answer.status_code == status and answer.json()["error"] == code, (body, answer.text)
        assert field in answer.json()["message"]
    denied = await outsider.post(f"/contract/{contract}/user/rate", rating_body(outsider, buyer, 1))
    assert denied.status_code == 401 and denied.json()["error"] == "UNAUTHORIZED"
    missing = await seller.post("/contract/77-78/user/rate", rating_body(seller, buyer, 1))
    assert missing.status_code == 404
    async with platform.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(PeachRating)) == 0
        row = await session.get(Contract, contract)
        assert row is not None and row.rating_buyer is None and row.rating_seller is None
    assert (await profile(buyer, buyer))["ratingCount"] == 0


async def test_disputes_count_in_history(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer = await app_factory(), await app_factory()
    won = await open_contract(platform, run_jobs, seller, buyer, amount=200_000)
    await dispute(platform, seller, won, "sellerWins")  # the escrow goes back to the seller
    completed = await open_contract(platform, run_jobs, seller, buyer, amount=100_000)
    await complete(seller, buyer, completed)
    await record_again(platform, completed)  # a retried step records nothing twice

    got = await profile(seller, seller)
    assert got["disputes"] == {"opened": 1, "won": 1, "lost": 0} and got["trades"] == 1
    assert got["historyRating"] == 1 and got["rating"] == 1 and got["ratingCount"] == 0
    got = await profile(seller, buyer)
    assert got["disputes"] == {"opened": 0, "won": 0, "lost": 1} and got["trades"] == 1
    assert got["historyRating"] == 0 and got["rating"] == 0  # one good trade, one lost dispute
    # A canceled trade (a dispute lost) cannot be rated.
    refused = await seller.post(f"/contract/{won}/user/rate", rating_body(seller, buyer, -1))
    assert refused.status_code == 400 and refused.json()["error"] == "BAD_REQUEST"


async def test_recent_rating_reads_the_last_ten(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller = await app_factory()
    contracts = []
    for _ in range(11):
        buyer = await app_factory()
        contract = await open_contract(platform, run_jobs, seller, buyer, amount=50_000)
        await complete(seller, buyer, contract)
        contracts.append((buyer, contract))
    # The oldest rating is negative, the ten after it positive.
    for n, (buyer, contract) in enumerate(contracts):
        answer = await buyer.post(f"/contract/{contract}/user/rate", rating_body(buyer, seller, -1 if n == 0 else 1))
        assert answer.status_code == 200, answer.text
    got = await profile(seller, seller)
    assert got["ratingCount"] == 11 and got["trades"] == 11 and got["recentRating"] == 1
    assert Decimal(str(got["userRating"])) == Decimal("0.818")  # (10 - 1) / 11, in thousandths
    assert [r["rating"] for r in (await seller.client.get(f"{PEACH}/user/{seller.id}/ratings")).json()][-1] == -1
