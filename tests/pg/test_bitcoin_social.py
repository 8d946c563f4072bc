"""Peach's social side on PostgreSQL, where requests really overlap: a party's racing ratings
of one contract store one; racing redemptions never spend points twice; racing trade outcomes
credit a shared referrer exactly (users are locked in id order: no deadlock, no lost update);
both parties posting at once lose no chat message."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from peerx.products.bitcoin.models import PeachChatMessage, PeachOffer, PeachRating, PeachUser
from tests.fixtures.factories.bitcoin import App
from tests.products.bitcoin import conftest as peach
from tests.products.bitcoin.social import complete, open_contract
from tests.products.bitcoin.test_ratings import rating_body
from tests.products.bitcoin.test_referrals import me, referred_by

app_factory = peach.app_factory  # the Peach app fixture, here on PostgreSQL
CHAT = {
    "message": "-----BEGIN PGP MESSAGE-----\nx\n-----END PGP MESSAGE-----",
    "signature": "-----BEGIN PGP SIGNATURE-----",
}


async def test_racing_ratings_of_one_contract_store_one(app_factory: Any, platform: Any, run_jobs: Any) -> None:
    seller, buyer = await app_factory(), await app_factory()
    contract = await open_contract(platform, run_jobs, seller, buyer)
    await complete(seller, buyer, contract)
    answers = await asyncio.gather(
        *(
            seller.post(f"/contract/{contract}/user/rate", rating_body(seller, buyer, 1 if n % 2 else -1))
            for n in range(6)
        )
    )
    assert sorted(a.status_code for a in answers) == [200] + [409] * 5, [a.text for a in answers]
    async with platform.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(PeachRating)) == 1
    profile = (await buyer.get("/user/me")).json()
    assert profile["ratingCount"] == 1


async def test_racing_redemptions_never_spend_points_twice(app_factory: Any, platform: Any, run_jobs: Any) -> None:
    referrer = await app_factory()
    seller, buyer = await referred_by(app_factory, referrer), await app_factory()
    contract = await open_contract(platform, run_jobs, seller, buyer, amount=1_050_000)
    await complete(seller, buyer, contract)
    assert (await me(referrer))["bonusPoints"] == 105
    answers = await asyncio.gather(
        referrer.patch("/user/referral/redeem/referralCode", {"code": "ALPHA"}),
        referrer.patch("/user/referral/redeem/referralCode", {"code": "BRAVO"}),
        referrer.patch("/user/referral/redeem/fiveFreeTrades"),
        referrer.patch("/user/referral/redeem/fiveFreeTrades"),
    )
    costs = [100, 100, 50, 50]
    spent = sum(cost for cost, answer in zip(costs, answers, strict=True) if answer.status_code == 200)
    refused = [a.json()["error"] for a in answers if a.status_code != 200]
    assert 0 < spent <= 105 and set(refused) <= {"NOT_ENOUGH_POINTS"}
    got = await me(referrer)
    assert got["bonusPoints"] == 105 - spent
    assert got["freeTrades"] == 5 * sum(1 for a in answers[2:] if a.status_code == 200)


async def test_two_users_racing_for_one_custom_code_get_it_once(app_factory: Any, platform: Any, run_jobs: Any) -> None:
    referrers = [await app_factory(), await app_factory()]
    buyer = await app_factory()
    for referrer in referrers:
        seller = await referred_by(app_factory, referrer)
        await complete(seller, buyer, await open_contract(platform, run_jobs, seller, buyer, amount=1_000_000))
    answers = await asyncio.gather(
        *(r.patch("/user/referral/redeem/referralCode", {"code": "HODL"}) for r in referrers)
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    codes = [(await me(r))["referralCode"] for r in referrers]
    assert codes.count("HODL") == 1
    loser = referrers[codes.index("HODL") - 1]
    assert (await me(loser))["bonusPoints"] == 100  # the refused redemption spent nothing


async def test_racing_trade_outcomes_credit_a_shared_referrer_exactly(
    app_factory: Any, platform: Any, run_jobs: Any
) -> None:
    referrer = await app_factory()
    buyer: App = await referred_by(app_factory, referrer)  # referred too: both sides credit
    contracts = []
    for amount in (123_456, 234_567, 345_678, 456_789, 567_891):
        seller = await referred_by(app_factory, referrer)
        contracts.append((seller, await open_contract(platform, run_jobs, seller, buyer, amount=amount), amount))
    # Five releases at once: each records its outcome, locking the shared buyer and referrer.
    await asyncio.gather(*(complete(seller, buyer, contract) for seller, contract, _ in contracts))
    referred = 2 * sum(amount for _, _, amount in contracts)
    got = await me(referrer)
    assert got["referredTradingAmount"] == referred and got["bonusPoints"] == referred // 10_000
    assert got["medals"] == ["ambassador"]
    assert (await me(buyer))["trades"] == 5
    await run_jobs()  # the reputation copies on the offers, after the commits
    async with platform.db.transaction() as session:
        users = {u.public_key: u for u in await session.scalars(select(PeachUser))}
        for offer in await session.scalars(select(PeachOffer)):
            assert offer.rating_milli == next(u.rating_milli for u in users.values() if u.id == offer.user_id)
        assert users[buyer.id].rating_milli == 1000 and users[buyer.id].trades == 5


async def test_both_parties_posting_at_once_lose_no_message(app_factory: Any, platform: Any, run_jobs: Any) -> None:
    seller, buyer = await app_factory(), await app_factory()
    contract = await open_contract(platform, run_jobs, seller, buyer)
    answers = await asyncio.gather(*(p.post(f"/contract/{contract}/chat", CHAT) for p in [seller, buyer] * 10))
    assert [a.status_code for a in answers] == [200] * 20
    async with platform.db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(PeachChatMessage).where(PeachChatMessage.contract_id == contract)
        )
        assert count == 20
    page = (await buyer.get(f"/contract/{contract}/chat")).json()
    assert len(page) == 20 and sum(1 for e in page if e["from"] == seller.id) == 10
