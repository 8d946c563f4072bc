"""Peach on PostgreSQL, where requests and watcher runs really overlap: racing watcher runs move
one escrow's funding status once; a racing revive and cancel of one offer end in one state;
racing registrations of one public key create one user."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from peerx.products.bitcoin.context import peach_of
from peerx.products.bitcoin.contracts import multisig as escrows
from peerx.products.bitcoin.models import PeachEscrow, PeachOffer, PeachUser
from tests.fixtures.factories.bitcoin import PEACH, App, fund, mine
from tests.products.bitcoin import conftest as peach
from tests.products.bitcoin.test_escrow_flow import sell_offer_with_escrow, watch

app_factory = peach.app_factory  # the Peach app fixture, here on PostgreSQL


async def test_racing_watcher_runs_move_the_funding_status_once(app_factory: Any, platform: Any) -> None:
    seller = await app_factory()
    offer_id, address = await sell_offer_with_escrow(seller)
    await fund(platform, address, 300_000)
    await mine(platform)
    peach = peach_of(platform)
    looked = 0
    original = peach.chain.address_outputs

    async def counting(session: Any, watched: str) -> Any:
        nonlocal looked
        looked += 1
        await asyncio.sleep(0.05)  # hold the row lock while the other runs queue on it
        return await original(session, watched)

    peach.chain.address_outputs = counting  # type: ignore[method-assign]
    try:

        async def run() -> bool:
            async with platform.db.transaction() as session:
                return await escrows.check_funding(session, peach, int(offer_id))

        assert await asyncio.gather(*(run() for _ in range(8))) == [True] * 8
    finally:
        peach.chain.address_outputs = original  # type: ignore[method-assign]
    assert looked == 1  # the others waited on the offer's row lock, then saw FUNDED
    async with platform.db.transaction() as session:
        escrow = await session.scalar(select(PeachEscrow).where(PeachEscrow.offer_id == int(offer_id)))
        offer = await session.get(PeachOffer, int(offer_id))
        assert escrow is not None and offer is not None
        assert escrow.funding_status == "FUNDED" and escrow.funding_amounts == [300_000]
        assert offer.online is True and offer.trade_status == "searchingForPeer"


async def test_racing_revive_and_cancel_end_in_one_state(app_factory: Any, platform: Any, run_jobs: Any) -> None:
    for _ in range(3):
        seller = await app_factory()
        offer_id, address = await sell_offer_with_escrow(seller)
        await fund(platform, address, 300_000)
        await mine(platform)
        await watch(run_jobs)
        async with platform.db.transaction() as session:  # a contract was canceled (part 2 does this)
            offer = await session.get(PeachOffer, int(offer_id))
            assert offer is not None
            offer.trade_status, offer.online = "refundOrReviveRequired", False

        revived, canceled = await asyncio.gather(
            seller.post(f"/offer/{offer_id}/revive"), seller.post(f"/offer/{offer_id}/cancel")
        )
        assert sorted([revived.status_code, canceled.status_code]) == [200, 400], (revived.text, canceled.text)
        async with platform.db.transaction() as session:
            escrow = await session.scalar(select(PeachEscrow).where(PeachEscrow.address == address))
            assert escrow is not None
            offers = list(await session.scalars(select(PeachOffer).where(PeachOffer.user_id == offer.user_id)))
            if revived.status_code == 200:  # the escrow moved to the new offer; no refund exists
                new_id = int(revived.json()["newOfferId"])
                assert escrow.offer_id == new_id and escrow.refund_psbt is None
                assert sorted((o.id, o.online, o.trade_status) for o in offers) == [
                    (int(offer_id), False, "offerCanceled"),
                    (new_id, True, "searchingForPeer"),
                ]
            else:  # the refund was signed; nothing was revived
                assert escrow.offer_id == int(offer_id) and escrow.refund_psbt
                assert [(o.id, o.trade_status) for o in offers] == [(int(offer_id), "refundTxSignatureRequired")]


async def test_racing_registrations_of_one_key_create_one_user(client: Any, platform: Any) -> None:
    app = App(client)
    bodies = [app.auth_body() for _ in range(6)]
    answers = await asyncio.gather(*(client.post(f"{PEACH}/user/register", json=b) for b in bodies))
    assert Counter(a.status_code for a in answers) == {200: 1, 401: 5}, [a.text for a in answers]
    assert {a.json()["error"] for a in answers if a.status_code == 401} == {"USER_EXISTS"}

    other = App(client)  # user/auth registers an unknown key: racing ones all get in, as one user
    bodies = [other.auth_body() for _ in range(6)]
    answers = await asyncio.gather(*(client.post(f"{PEACH}/user/auth", json=b) for b in bodies))
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    async with platform.db.transaction() as session:
        for key in (app.id, other.id):
            assert await session.scalar(select(func.count(PeachUser.id)).where(PeachUser.public_key == key)) == 1
