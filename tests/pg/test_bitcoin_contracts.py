"""Peach contracts on PostgreSQL: 20 buyers race to match one sell offer while the seller
double-matches each as soon as its match lands; exactly one contract exists and the escrow is
spent once, even when the seller's release is sent twice at the same moment."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from peerx.chain.sandbox import ChainOutput
from peerx.products.bitcoin.models import Contract, PeachEscrow
from tests.fixtures.factories.bitcoin import App
from tests.products.bitcoin import conftest as peach
from tests.products.bitcoin.contract_helpers import (
    KEY,
    buy_offer,
    double_match_body,
    funded_sell_offer,
    match_body,
    seller_signs,
)

app_factory = peach.app_factory  # the Peach app fixture, here on PostgreSQL
BUYERS = 20


async def test_twenty_buyers_one_contract_one_spend(app_factory: Any, platform: Any, run_jobs: Any) -> None:
    seller = await app_factory()
    sell_id, address = await funded_sell_offer(seller, platform, run_jobs)
    buyers: list[tuple[App, str]] = []
    for _ in range(BUYERS):
        buyer = await app_factory()
        buyers.append((buyer, await buy_offer(buyer)))

    async def race(buyer: App, buy_id: str) -> str:
        matched = await buyer.post(f"/offer/{buy_id}/match", match_body(sell_id))
        if matched.status_code != 200:
            return f"match:{matched.json()['error']}"
        doubled = await seller.post(f"/offer/{sell_id}/match", double_match_body(buy_id))
        return "contract" if doubled.status_code == 200 else f"double:{doubled.json()['error']}"

    outcomes = Counter(await asyncio.gather(*(race(b, o) for b, o in buyers)))
    assert outcomes["contract"] == 1, outcomes
    assert set(outcomes) <= {"contract", "match:OFFER_TAKEN", "double:OFFER_TAKEN"}, outcomes
    assert sum(outcomes.values()) == BUYERS

    async with platform.db.transaction() as session:
        contracts = list(await session.scalars(select(Contract).where(Contract.sell_offer_id == int(sell_id))))
    assert len(contracts) == 1
    contract = contracts[0]
    winner = next(b for b, o in buyers if int(o) == contract.buy_offer_id)
    assert (await winner.post(f"/contract/{contract.id}/payment/confirm")).json() == {"success": True}
    signed = seller_signs(seller, (await seller.get(f"/contract/{contract.id}")).json()["releasePsbt"])

    async def release() -> int:
        answer = await seller.post(f"/contract/{contract.id}/payment/confirm", {"releasePsbt": signed})
        return int(answer.status_code)

    assert sorted(await asyncio.gather(release(), release(), release())) == [200, 400, 400]
    async with platform.db.transaction() as session:
        escrow = await session.scalar(select(PeachEscrow).where(PeachEscrow.id == contract.escrow_id))
        assert escrow is not None and escrow.address == address
        spends = await session.scalar(
            select(func.count(func.distinct(ChainOutput.spent_by))).where(ChainOutput.address == address)
        )
    assert spends == 1


async def test_release_racing_a_dispute_ends_one_way(app_factory: Any, platform: Any, run_jobs: Any) -> None:
    """The seller's release and the buyer's dispute sent at once: exactly one of them happens."""
    outcomes: Counter[str] = Counter()
    for _ in range(3):
        seller, buyer = await app_factory(), await app_factory()
        sell_id, address = await funded_sell_offer(seller, platform, run_jobs)
        buy_id = await buy_offer(buyer)
        assert (await buyer.post(f"/offer/{buy_id}/match", match_body(sell_id))).status_code == 200
        contract_id = (await seller.post(f"/offer/{sell_id}/match", double_match_body(buy_id))).json()["contractId"]
        assert (await buyer.post(f"/contract/{contract_id}/payment/confirm")).status_code == 200
        signed = seller_signs(seller, (await seller.get(f"/contract/{contract_id}")).json()["releasePsbt"])
        dispute = {"reason": "abusive", "symmetricKeyEncrypted": KEY}
        released, disputed = await asyncio.gather(
            seller.post(f"/contract/{contract_id}/payment/confirm", {"releasePsbt": signed}),
            buyer.post(f"/contract/{contract_id}/dispute", dispute),
        )
        assert sorted([released.status_code, disputed.status_code]) == [200, 400]
        view = (await buyer.get(f"/contract/{contract_id}")).json()
        async with platform.db.transaction() as session:
            spends = await session.scalar(
                select(func.count(func.distinct(ChainOutput.spent_by))).where(ChainOutput.address == address)
            )
        if released.status_code == 200:
            assert view["tradeStatus"] == "rateUser" and view["disputeActive"] is False and spends == 1
            outcomes["released"] += 1
        else:
            assert view["tradeStatus"] == "dispute" and view["releaseTxId"] is None and spends == 0
            outcomes["disputed"] += 1
    assert sum(outcomes.values()) == 3
