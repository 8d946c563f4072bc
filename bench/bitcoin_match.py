"""Peach match -> contract: a buyer's match of a funded sell offer and the seller's double match
(each its own transaction, through the service layer the routes call: price and limit checks,
the row locks, the contract with its pre-signed release PSBT). Pairs are distinct, 4 at a time.
On PostgreSQL the limit is the same SQL, recorded as peerx sent it and replayed bare (SqlRecorder).
`python -m bench.bitcoin_match [postgresql] [sqlite]`."""

from __future__ import annotations

import asyncio
import hashlib
import sys
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from coincurve import PrivateKey
from sqlalchemy import insert, select

from bench.common import HEADER, Result, SqlRecorder, bench_platform, machine, measure
from peerx.chain import script
from peerx.chain.sandbox import SandboxChain
from peerx.products.bitcoin.context import peach_of
from peerx.products.bitcoin.contracts import matching, multisig
from peerx.products.bitcoin.contracts.schemas import MatchRequest
from peerx.products.bitcoin.market import prices as market
from peerx.products.bitcoin.models import PeachOffer, PeachOfferMethod, PeachUser

PAIRS, CONCURRENCY, AMOUNT = 300, 4, 300_000
ARMOR = "-----BEGIN PGP MESSAGE-----\n\nhQEMA\n-----END PGP MESSAGE-----"
PGP_KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----"  # matching needs one


def _offer(user_id: int, kind: str, now: datetime, address: str) -> dict[str, Any]:
    hashes = [hashlib.sha256(f"{user_id}:{kind}".encode()).hexdigest()]
    return {
        "user_id": user_id, "type": kind, "amount_min": 50_000 if kind == "bid" else AMOUNT,
        "amount_max": 2_000_000 if kind == "bid" else AMOUNT, "premium_bp": 800 if kind == "ask" else None,
        "max_premium_bp": None, "rating_milli": 0, "price_weight": 0, "means_of_payment": {"EUR": ["sepa"]},
        "payment_data": {"sepa": {"hashes": hashes}}, "release_address": address if kind == "bid" else None,
        "return_address": address if kind == "ask" else None, "online": kind == "bid",
        "trade_status": "searchingForPeer" if kind == "bid" else "fundEscrow", "escrow_fee": Decimal("0.02"),
        "canceled": False, "refunded": False, "released": False, "created_at": now, "updated_at": now,
    }  # fmt: skip


async def seed(platform: Any) -> list[tuple[int, int, int, int]]:
    """PAIRS funded sell offers and PAIRS buy offers, owners all distinct: (seller, sell, buyer, buy)."""
    peach = peach_of(platform)
    chain = peach.chain
    assert isinstance(chain, SandboxChain)
    now = datetime.now(UTC)
    keys = [PrivateKey() for _ in range(2 * PAIRS)]
    async with platform.db.transaction() as session:
        await market.set_price(session, "BTCEUR", Decimal("27455.04"))
        users = [
            {"public_key": k.public_key.format().hex(), "referral_code": f"M{i:06d}", "rating_milli": 0,
             "rating_count": 0, "trades": 0, "bonus_points": 0, "batching": False, "disabled": False,
             "pgp_public_key": PGP_KEY, "created_at": now, "updated_at": now}
            for i, k in enumerate(keys)
        ]  # fmt: skip
        user_ids = list(await session.scalars(insert(PeachUser).returning(PeachUser.id), users))
        address = {
            u: script.address_of(script.p2wpkh_script_pubkey(k.public_key.format()), "regtest")
            for u, k in zip(user_ids, keys, strict=True)
        }
        rows = [_offer(u, "ask" if i < PAIRS else "bid", now, address[u]) for i, u in enumerate(user_ids)]
        offer_ids = list(await session.scalars(insert(PeachOffer).returning(PeachOffer.id), rows))
        await session.execute(
            insert(PeachOfferMethod), [{"offer_id": o, "currency": "EUR", "method": "sepa"} for o in offer_ids]
        )
        sells = list(await session.scalars(select(PeachOffer).where(PeachOffer.id.in_(offer_ids[:PAIRS]))))
        for offer, key in zip(sorted(sells, key=lambda o: o.id), keys, strict=False):
            created = await multisig.create_escrow(session, peach, offer, key.public_key.format().hex())
            await chain.fund(session, created.address, AMOUNT)
        await chain.mine(session, 1)
    for sell_id in offer_ids[:PAIRS]:
        async with platform.db.transaction() as session:
            assert await multisig.check_funding(session, peach, sell_id)
    return [(user_ids[i], offer_ids[i], user_ids[PAIRS + i], offer_ids[PAIRS + i]) for i in range(PAIRS)]


async def run(database: str) -> list[Result]:
    async with bench_platform(database) as platform:
        pairs = await seed(platform)
        peach = peach_of(platform)

        async def one(i: int) -> None:
            seller_id, sell_id, buyer_id, buy_id = pairs[i]
            async with platform.db.transaction() as session:
                buyer = await session.get(PeachUser, buyer_id)
                buy = await session.get(PeachOffer, buy_id, with_for_update=True)
                assert buyer is not None and buy is not None
                body = {"matchingOfferId": str(sell_id), "currency": "EUR", "paymentMethod": "sepa",
                        "symmetricKeyEncrypted": ARMOR, "symmetricKeySignature": ARMOR}  # fmt: skip
                await matching.match_sell_offer(session, peach, buyer, buy, MatchRequest.model_validate(body))
            async with platform.db.transaction() as session:
                seller = await session.get(PeachUser, seller_id)
                sell = await session.get(PeachOffer, sell_id, with_for_update=True)
                assert seller is not None and sell is not None
                body = {"matchingOfferId": str(buy_id), "currency": "EUR", "paymentMethod": "sepa",
                        "paymentDataEncrypted": ARMOR, "paymentDataSignature": ARMOR}  # fmt: skip
                await matching.double_match(session, peach, seller, sell, MatchRequest.model_validate(body))

        if database != "postgresql":
            return [await measure("match -> contract (distinct pairs)", database, PAIRS, CONCURRENCY, one)]
        with SqlRecorder(platform.db.engine) as recorded:
            await recorded.snapshot(platform.settings.database_url)
            result = await measure("match -> contract (distinct pairs)", database, PAIRS, CONCURRENCY, one)
        result.limit = await recorded.replay("the same SQL, bare asyncpg", PAIRS, CONCURRENCY)
        return [result]


async def main(databases: list[str]) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%d}, {machine()}\n\n{HEADER}")
    for database in databases:
        for result in await run(database):
            print(result.row(), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or ["postgresql"]))
