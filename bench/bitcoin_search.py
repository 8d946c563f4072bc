"""Peach offer search over 100 000 online offers: POST offer/search through the service's SQL
(the route adds only JSON rendering). Each row's limit is the same SQL for the same pages run on
the bare driver in the same run (asyncpg prepared statements; sqlite3), so the ratio is peerx's
own overhead. `python -m bench.bitcoin_search [sqlite] [postgresql]`."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ClauseElement, insert, text
from sqlalchemy.engine import Dialect

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


async def seed(platform: Any, offers_count: int = OFFERS, users: int = USERS) -> None:
    """`offers_count` online offers of `users` users (1 to 3 payment methods each), as the bench
    and tests/products/bitcoin/test_search_pages.py use them."""
    rng = random.Random(21)
    now = datetime.now(UTC)
    ratings = [rng.randint(-200, 1000) for _ in range(users)]
    async with platform.db.transaction() as session:
        await session.execute(
            insert(PeachUser),
            [
                {"public_key": f"02{i:064x}", "referral_code": f"B{i:06d}", "rating_milli": ratings[i],
                 "rating_count": 0, "trades": 0, "bonus_points": 0, "batching": False, "disabled": False,
                 "created_at": now, "updated_at": now}
                for i in range(users)
            ],
        )  # fmt: skip
    for start in range(0, offers_count, 5_000):
        offers, methods = [], []
        for i in range(start, min(start + 5_000, offers_count)):
            ask = i % 3 != 0
            low = rng.randint(20_000, 2_000_000)
            high = low if ask else low + rng.randint(0, 3_000_000)
            means: dict[str, list[str]] = {}
            for currency, method in rng.sample(METHODS, rng.randint(1, 3)):
                means.setdefault(currency, []).append(method)
                methods.append({"offer_id": i + 1, "currency": currency, "method": method})
            user_id, premium_bp = rng.randint(1, users), rng.randint(-500, 1500) if ask else None
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
    if platform.db.engine.dialect.name == "postgresql":
        # What autovacuum does after a bulk load (PostgreSQL 13+ vacuums insert-only tables too):
        # without statistics the planner guesses every table empty (20x slower), and without the
        # visibility map an index-only scan still reads every row it passes from the table.
        async with platform.db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE peach_users, peach_offers, peach_offer_methods"))


def _bare(statement: ClauseElement, dialect: Dialect) -> tuple[str, list[Any]]:
    """The SQL text and positional arguments SQLAlchemy sends for `statement` on `dialect`."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    return str(compiled), [params[name] for name in compiled.positiontup or []]


@asynccontextmanager
async def bare_runner(platform: Any) -> AsyncIterator[Callable[[ClauseElement, bool], Awaitable[list[Any]]]]:
    """The limit: run a statement's SQL on the driver directly, no ORM nor SQLAlchemy execution
    (asyncpg prepared statements, kept per SQL text, on PostgreSQL; sqlite3 on SQLite)."""
    engine = platform.db.engine
    if engine.dialect.name == "postgresql":
        import asyncpg

        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(url)
        prepared: dict[str, Any] = {}

        async def on_pg(statement: ClauseElement, scalar: bool) -> list[Any]:
            sql, args = _bare(statement, engine.dialect)
            if sql not in prepared:
                prepared[sql] = await connection.prepare(sql)
            return [await prepared[sql].fetchval(*args)] if scalar else await prepared[sql].fetch(*args)

        try:
            yield on_pg
        finally:
            await connection.close()
        return
    lite = sqlite3.connect(engine.url.database, isolation_level=None)

    async def on_sqlite(statement: ClauseElement, scalar: bool) -> list[Any]:
        sql, args = _bare(statement, engine.dialect)
        rows = lite.execute(sql, args).fetchall()
        return [rows[0][0]] if scalar else rows

    try:
        yield on_sqlite
    finally:
        lite.close()


async def run(database: str) -> list[Result]:
    results = []
    async with bench_platform(database) as platform, bare_runner(platform) as bare:
        await seed(platform)
        sqlite = platform.db.is_sqlite
        for name, body, sort_by in QUERIES:
            filters, sorts = SearchRequest.model_validate(body), search.sort_keys(sort_by)
            pages = random.Random(7)  # peerx and the limit ask for the same pages

            async def one(
                _: int, filters: SearchRequest = filters, sorts: list[str] = sorts, pages: random.Random = pages
            ) -> None:
                async with platform.db.transaction() as session:
                    rows, total = await search.search(
                        session, filters, None, page=pages.randint(0, 20), size=21, sorts=sorts
                    )
                assert total > 0 and rows

            async def limit(
                _: int, filters: SearchRequest = filters, sorts: list[str] = sorts, pages: random.Random = pages
            ) -> None:
                page = pages.randint(0, 20)
                page_query, count_query = search.statements(
                    filters, None, page=page, size=21, sorts=sorts, sqlite=sqlite
                )
                rows = await bare(page_query, False)
                total = search.total_from_page(len(rows), page=page, size=21)
                if total is None:
                    total = (await bare(count_query, True))[0]
                assert total and rows

            result = await measure(f"search: {name}", database, SEARCHES, 1, one)
            pages.seed(7)
            result.limit = await measure("same SQL, bare driver", database, SEARCHES, 1, limit)
            results.append(result)
    return results


async def main(databases: list[str]) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%d}, {machine()}\n\n{HEADER}")
    for database in databases:
        for result in await run(database):
            print(result.row(), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or ["sqlite", "postgresql"]))
