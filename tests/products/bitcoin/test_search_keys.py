"""The search keys kept on the offer row follow their sources: a user's reputation (rewritten
on every offer by reputation.set_reputation) and the price weight (amount x (1 + premium), set on
every insert and update); `total` is exact below the cap and capped above it."""

from __future__ import annotations

from typing import Any

import pytest

from peerx.platform import Platform
from peerx.products.bitcoin.identity import reputation, users
from peerx.products.bitcoin.models import PeachOffer, PeachUser
from peerx.products.bitcoin.offers import search
from peerx.products.bitcoin.offers import service as offers
from peerx.products.bitcoin.offers.schemas import SearchRequest, UpdateOfferRequest


async def _search(platform: Platform, body: dict[str, Any], sort_by: str, size: int = 21) -> tuple[list[int], int]:
    filters = SearchRequest.model_validate(body)
    async with platform.db.transaction() as session:
        rows, total = await search.search(session, filters, None, page=0, size=size, sorts=search.sort_keys(sort_by))
    return [r.id for r in rows], total


async def test_search_keys_follow_reputation_and_premium(
    app_factory: Any, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    buyers = [await app_factory() for _ in range(3)]
    ids = []
    for buyer in buyers:
        posted = await buyer.post("/offer", buyer.buy_body())
        assert posted.status_code == 200, posted.text
        ids.append(int(posted.json()["id"]))
    assert (await _search(platform, {"type": "bid"}, "bestReputation"))[0] == ids[::-1]  # ties: newest first

    async with platform.db.transaction() as session:
        for buyer, rating in zip(buyers, (900, -100, 400), strict=True):
            user = await users.find_user(session, buyer.id)
            await reputation.set_reputation(session, user, rating, 3)
    assert (await _search(platform, {"type": "bid"}, "bestReputation"))[0] == [ids[0], ids[2], ids[1]]
    assert (await _search(platform, {"type": "bid", "minReputation": "0.4"}, "highestAmount"))[0] == [ids[2], ids[0]]
    async with platform.db.transaction() as session:  # a new offer starts with its owner's reputation
        user = await users.find_user(session, buyers[1].id)
        assert isinstance(user, PeachUser)
        offer = await session.get(PeachOffer, ids[1])
        assert offer is not None and offer.rating_milli == -100 and offer.price_weight == 2_330_000 * 10_000
        offer.amount_max = 100_000
        await offers.update_offer(session, offer, UpdateOfferRequest.model_validate({"maxPremium": 3}))
        await session.refresh(offer)
        assert offer.price_weight == 100_000 * 10_000  # recomputed on update
    with pytest.raises(ValueError):
        async with platform.db.transaction() as session:
            await reputation.set_reputation(session, user, 1001, 0)

    assert await _search(platform, {"type": "bid"}, "highestPrice", size=2) == ([ids[2], ids[0]], 3)
    monkeypatch.setattr(search, "TOTAL_CAP", 2)
    assert (await _search(platform, {"type": "bid"}, "highestPrice", size=1))[1] == 2  # capped
    assert (await _search(platform, {"type": "bid"}, "highestPrice", size=5))[1] == 3  # the last page counts
