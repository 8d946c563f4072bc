"""Peach offer search over 100 000 online offers: POST offer/search through the service's SQL
(the route adds only JSON rendering). `python -m bench.bitcoin_search [sqlite] [postgresql]`."""

from __future__ import annotations

import asyncio
import random
import sys
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, text

from bench.common import HEADER, Result, bench_platform, machine, measure
from peerx.products.bitcoin.models import PeachOffer, PeachOfferMethod, PeachUser, price_weight
from peerx.products.bitcoin.offers import search
from peerx.products.bitcoin.offers.schemas import SearchRequest

OFFERS, USERS, SEARCHES = 100_000, 2_000, 300
METHODS = [("EUR", "sepa"), ("EUR", "paypal"), ("EUR", "revolut"), ("CHF", "twint"), ("GBP", "fasterPayments")]
QUERIES: list[tuple[str, dict[str, Any], str]] = [
    ("any ask, best reputation", {"type": "ask"}, "bestReputation"),
    ("EUR sepa asks, amount range, max premium",
     {"type": "ask", "amount": [30_000, 2_000_000], "meansOfPayment": {"EUR": ["sepa"]}, "maxPremium": 5},
     "lowestPremium"),
    ("asks, min reputation, two sorts", {"type": "ask", "minReputation": Decimal("0.5")}, "highestPrice,highestAmount"),
    ("CHF twint bids", {"type": "bid", "meansOfPayment": {"CHF": ["twint"]}}, "bestReputation"),
]  # fmt: skip


async def seed(platform: Any) -> None:
    rng = random.Random(21)
    now = datetime.now(UTC)
    ratings = [rng.randint(-200, 1000) for _ in range(USERS)]
    async with platform.db.transaction() as session:
        await session.execute(
            insert(PeachUser),
            [
                {"public_key": f"02{i:064x}", "referral_code": f"B{i:06d}", "rating_milli": ratings[i],
                 "rating_count": 0, "trades": 0, "bonus_points": 0, "batching": False, "disabled": False,
                 "created_at": now, "updated_at": now}
                for i in range(USERS)
            ],
        )  # fmt: skip
    for start in range(0, OFFERS, 5_000):
        offers, methods = [], []
        for i in range(start, start + 5_000):
            ask = i % 3 != 0
            low = rng.randint(20_000, 2_000_000)
            high = low if ask else low + rng.randint(0, 3_000_000)
            means: dict[str, list[str]] = {}
            for currency, method in rng.sample(METHODS, rng.randint(1, 3)):
                means.setdefault(currency, []).append(method)
                methods.append({"offer_id": i + 1, "currency": currency, "method": method})
            user_id, premium_bp = rng.randint(1, USERS), rng.randint(-500, 1500) if ask else None
            offers.append(
                {"id": i + 1, "user_id": user_id, "type": "ask" if ask else "bid", "amount_min": low,
                 "amount_max": high, "premium_bp": premium_bp, "rating_milli": ratings[user_id - 1],
                 "price_weight": price_weight(high, premium_bp),
                 "max_premium_bp": None if ask else rng.randint(0, 1500), "means_of_payment": means,
                 "payment_data": {}, "online": True, "trade_status": "searchingForPeer", "escrow_fee": "0.02",
                 "canceled": False, "refunded": False, "released": False, "publishing_date": now,
                 "created_at": now, "updated_at": now}
            )  # fmt: skip
        async with platform.db.transaction() as session:
            await session.execute(insert(PeachOffer), offers)
            await session.execute(insert(PeachOfferMethod), methods)
    if platform.db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load;
        async with platform.db.transaction() as session:  # without statistics the planner guesses
            await session.execute(text("ANALYZE"))  # every table empty (runs 20x slower)


async def run(database: str) -> list[Result]:
    results = []
    async with bench_platform(database) as platform:
        await seed(platform)
        for name, body, sort_by in QUERIES:
            rng = random.Random(7)

            async def one(
                _: int, body: dict[str, Any] = body, sort_by: str = sort_by, rng: random.Random = rng
            ) -> None:
                filters, sorts = SearchRequest.model_validate(body), search.sort_keys(sort_by)
                async with platform.db.transaction() as session:
                    rows, total = await search.search(
                        session, filters, None, page=rng.randint(0, 20), size=21, sorts=sorts
                    )
                assert total > 0 and rows

            results.append(await measure(f"search: {name}", database, SEARCHES, 1, one))
    return results


async def main(databases: list[str]) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%d}, {machine()}\n\n{HEADER}")
    for database in databases:
        for result in await run(database):
            print(result.row(), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or ["sqlite", "postgresql"]))
