"""Offer search over more offers than the `total` cap, with ties on every sort key: every page
is the slice of the whole ordered result a plain sort in Python gives (sort keys, then the offer
id in the direction of the last key), and `total` is the number of matches up to
search.TOTAL_CAP, exact on the last page, capped elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from bench.bitcoin_search import QUERIES, seed
from sqlalchemy import insert, select

from peerx.platform import Platform
from peerx.products.bitcoin.models import PeachBlock, PeachOffer, PeachOfferMethod, PeachUser
from peerx.products.bitcoin.offers import search
from peerx.products.bitcoin.offers.schemas import SearchRequest

OFFERS, USERS, SIZE = 1_500, 40, 21  # 40 users: many offers share their owner's reputation

CASES = [
    *((body, sort_by) for _, body, sort_by in QUERIES),
    ({}, "lowestPremium"),  # mixed types: bids (no premium) count as 0
    ({"amount": 900_000, "meansOfPayment": {"EUR": ["sepa", "paypal"], "GBP": ["fasterPayments"]}}, "highestAmount"),
    ({"type": "bid", "maxPremium": 3, "minReputation": "0.2"}, "lowestPremium,bestReputation"),
]


def _expected(offers: list[Any], methods: dict[int, set[tuple[str, str]]], body: dict[str, Any], sort_by: str,
              caller: int | None, blocked: set[int]) -> list[int]:  # fmt: skip
    request = SearchRequest.model_validate(body)
    wanted = {(c, m) for c, ms in (body.get("meansOfPayment") or {}).items() for m in ms}
    low_high = request.amount

    def matches(o: Any) -> bool:
        return (
            (request.type is None or o.type == request.type)
            and (low_high is None or (o.amount_min <= low_high[1] and o.amount_max >= low_high[0]))
            and (not wanted or bool(methods[o.id] & wanted))
            and (request.max_premium is None or o.premium_bp is None or o.premium_bp <= request.max_premium * 100)
            and (request.min_reputation is None or o.rating_milli >= request.min_reputation * 1000)
            and o.user_id != caller
            and o.user_id not in blocked
        )

    keys = {
        "bestReputation": lambda o: -o.rating_milli,
        "lowestPremium": lambda o: o.premium_bp or 0,
        "highestAmount": lambda o: -o.amount_max,
        "highestPrice": lambda o: -o.price_weight,
    }
    sorts = search.sort_keys(sort_by)
    tie = 1 if sorts[-1] == "lowestPremium" else -1
    return [o.id for o in sorted(filter(matches, offers), key=lambda o: (*(keys[s](o) for s in sorts), tie * o.id))]


@pytest.fixture
async def market(platform: Platform) -> tuple[list[Any], dict[int, set[tuple[str, str]]]]:
    await seed(platform, OFFERS, USERS)
    async with platform.db.transaction() as session:
        # The caller (user 1) blocked user 2, user 3 blocked the caller; a few offers are offline.
        now = datetime.now(UTC)
        await session.execute(
            insert(PeachBlock), [{"user_id": 1, "blocked_id": 2, "created_at": now},
                                 {"user_id": 3, "blocked_id": 1, "created_at": now}]
        )  # fmt: skip
        for offer in (await session.scalars(select(PeachOffer).where(PeachOffer.id % 17 == 0))).all():
            offer.online = False
        offers = list(
            (
                await session.execute(
                    select(
                        PeachOffer.id,
                        PeachOffer.user_id,
                        PeachOffer.type,
                        PeachOffer.amount_min,
                        PeachOffer.amount_max,
                        PeachOffer.premium_bp,
                        PeachOffer.rating_milli,
                        PeachOffer.price_weight,
                    ).where(PeachOffer.online == True)  # noqa: E712
                )
            ).all()
        )
        methods: dict[int, set[tuple[str, str]]] = {o.id: set() for o in offers}
        for offer_id, currency, method in await session.execute(
            select(PeachOfferMethod.offer_id, PeachOfferMethod.currency, PeachOfferMethod.method)
        ):
            methods.setdefault(offer_id, set()).add((currency, method))
    return offers, methods


@pytest.mark.parametrize("authenticated", [False, True])
async def test_every_page_is_the_slice_of_the_whole_order_and_total_is_capped(
    platform: Platform, market: tuple[list[Any], dict[int, set[tuple[str, str]]]], authenticated: bool
) -> None:
    offers, methods = market
    async with platform.db.transaction() as session:
        caller = await session.get(PeachUser, 1) if authenticated else None
    for body, sort_by in CASES:
        expected = _expected(offers, methods, body, sort_by, 1 if caller else None, {2, 3} if caller else set())
        assert len(expected) > SIZE, (body, sort_by)  # more than one page: the cases page
        last = (len(expected) - 1) // SIZE
        for page in sorted({0, 1, 7, last, last + 1}):
            async with platform.db.transaction() as session:
                rows, total = await search.search(
                    session, SearchRequest.model_validate(body), caller, page=page, size=SIZE,
                    sorts=search.sort_keys(sort_by),
                )  # fmt: skip
            assert [r.id for r in rows] == expected[page * SIZE : (page + 1) * SIZE], (body, sort_by, page)
            # The page that ends the results knows the exact total; any other counts up to the cap.
            ends = page == last and len(expected) % SIZE != 0
            assert total == (len(expected) if ends else min(len(expected), search.TOTAL_CAP)), (
                body, sort_by, page, len(expected)
            )  # fmt: skip
    # Some of the cases have more matches than the cap, some fewer: both sides of it are asserted.
    sizes = [len(_expected(offers, methods, b, s, None, set())) for b, s in CASES]
    assert max(sizes) > search.TOTAL_CAP > min(sizes)
