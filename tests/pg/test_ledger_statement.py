"""The ledger's one-statement path on PostgreSQL (peerx_ledger_transfer / peerx_ledger_resolve):
units of work racing for one balance move money exactly once and never below zero, a refused
transfer writes nothing and leaves its unit of work usable, a reservation is resolved once, and
the caller's account objects carry the totals the statement wrote."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, inspect, select

from peerx.core import ledger
from peerx.core.errors import Conflict, InsufficientFunds, NotFound


async def accounts(session):
    source = await ledger.get_account(session, ledger.platform_account("funding", "GHS", True))
    wallet = await ledger.get_account(session, ledger.party_wallet(1, "GHS", True))
    sink = await ledger.get_account(session, ledger.platform_account("payouts_in_flight", "GHS", True))
    return source, wallet, sink


async def transfers_with_code(session, code: str) -> int:
    t = ledger.LedgerTransfer
    return await session.scalar(select(func.count()).select_from(t).where(t.code == code))


async def test_units_of_work_racing_for_one_balance_move_it_once_and_never_below_zero(platform):
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        await ledger.transfer(session, source, wallet, 1_000, code="t.fund", reference="r")

    async def spend(i: int, pending: bool) -> str:
        try:
            async with platform.db.transaction() as session:
                _, wallet, sink = await accounts(session)
                await ledger.transfer(session, wallet, sink, 100, code="t.out", reference=str(i), pending=pending)
                await asyncio.sleep(0)  # let the others queue on the row lock while we hold it
            return "moved"
        except InsufficientFunds as refused:
            assert str(refused) == "Insufficient balance."
            assert refused.details == {"account": ledger.party_wallet(1, "GHS", True).key}
            return "refused"

    outcomes = await asyncio.gather(*(spend(i, pending=i % 2 == 0) for i in range(18)))
    assert outcomes.count("moved") == 10 and outcomes.count("refused") == 8

    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        assert wallet.available == 0
        assert wallet.debits_posted + wallet.debits_pending == 1_000
        assert sink.credits_posted + sink.credits_pending == 1_000
        assert await transfers_with_code(session, "t.out") == 10  # the losers wrote nothing
        report = await ledger.verify(session)
        assert report.ok, report.problems
        assert report.transfers == 11


async def test_a_refused_transfer_writes_nothing_and_its_unit_of_work_goes_on(platform):
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        await ledger.transfer(session, source, wallet, 500, code="t.fund", reference="r")
        prefunded = await ledger.get_account(
            session,
            ledger.platform_account("float", "GHS", True, ledger.AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS),
        )
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        with pytest.raises(InsufficientFunds) as refused:
            await ledger.transfer(session, wallet, sink, 501, code="t.out", reference="too much")
        assert (str(refused.value), refused.value.details) == ("Insufficient balance.", {"account": wallet.key})
        with pytest.raises(InsufficientFunds) as refused:
            await ledger.transfer(session, source, prefunded, 1, code="t.float", reference="unfunded float")
        assert (str(refused.value), refused.value.details) == (
            "Insufficient funds in the platform account.",
            {"account": prefunded.key},
        )
        assert wallet.available == 500  # the caller's object was not touched by the refusal
        # The transaction is not aborted: the same unit of work moves what fits and commits.
        await ledger.transfer(session, wallet, sink, 200, code="t.out", reference="fits")
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        assert (wallet.available, sink.credits_posted) == (300, 200)
        assert await transfers_with_code(session, "t.out") == 1
        assert await transfers_with_code(session, "t.float") == 0
        assert (await ledger.verify(session)).ok


async def test_racing_posts_and_voids_resolve_a_reservation_once(platform):
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        await ledger.transfer(session, source, wallet, 1_000, code="t.fund", reference="r")
        hold = await ledger.transfer(session, wallet, sink, 600, code="t.hold", reference="h", pending=True)

    async def resolve(i: int) -> str:
        try:
            async with platform.db.transaction() as session:
                if i % 2:
                    await ledger.post_pending(session, hold.id, code="t.post", amount=400)
                else:
                    await ledger.void_pending(session, hold.id, code="t.void")
                await asyncio.sleep(0)
            return "post" if i % 2 else "void"
        except Conflict:
            return "conflict"

    outcomes = await asyncio.gather(*(resolve(i) for i in range(10)))
    assert outcomes.count("conflict") == 9
    winner = next(o for o in outcomes if o != "conflict")

    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        stored = await session.get(ledger.LedgerTransfer, hold.id)
        assert stored.pending_state == ("posted" if winner == "post" else "voided")
        assert wallet.held == 0 and sink.credits_pending == 0
        assert wallet.available == (600 if winner == "post" else 1_000)
        assert sink.credits_posted == (400 if winner == "post" else 0)
        assert await transfers_with_code(session, f"t.{winner}") == 1
        report = await ledger.verify(session)
        assert report.ok, report.problems
        assert report.transfers == 3


async def test_resolving_refuses_unknown_resolved_and_oversized_reservations(platform):
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        await ledger.transfer(session, source, wallet, 1_000, code="t.fund", reference="r")
        single = await ledger.transfer(session, wallet, sink, 1, code="t.out", reference="single")
        hold = await ledger.transfer(session, wallet, sink, 300, code="t.hold", reference="h", pending=True)
        for missing in (single.id, 10**9):
            with pytest.raises(NotFound):
                await ledger.post_pending(session, missing, code="t.post")
        for amount in (0, 301):
            with pytest.raises(ValueError):
                await ledger.post_pending(session, hold.id, code="t.post", amount=amount)
        posted = await ledger.post_pending(session, hold.id, code="t.post")  # all of it
        assert (posted.amount, posted.kind, posted.pending_id, posted.reference) == (300, "post_pending", hold.id, "h")
        with pytest.raises(Conflict, match="already posted"):
            await ledger.void_pending(session, hold.id, code="t.void")
        assert (wallet.available, wallet.held, wallet.debits_posted) == (699, 0, 301)
        assert (await ledger.verify(session)).ok


async def test_the_callers_objects_show_the_new_totals_and_the_orm_writes_nothing_again(platform):
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        moved = await ledger.transfer(session, source, wallet, 10_000, code="t.fund", reference="r1")
        assert moved.id is not None and (moved.amount, moved.kind, moved.currency) == (10_000, "single", "GHS")
        assert (source.debits_posted, wallet.credits_posted, wallet.available) == (10_000, 10_000, 10_000)
        hold = await ledger.transfer(session, wallet, sink, 4_000, code="t.hold", reference="r2", pending=True)
        assert (hold.kind, hold.pending_state) == ("pending", "pending")
        assert (wallet.available, wallet.held, sink.credits_pending) == (6_000, 4_000, 4_000)
        assert not session.dirty  # committed values: the ORM has nothing to flush
        loaded = await session.get(ledger.LedgerTransfer, hold.id)
        await ledger.post_pending(session, hold.id, code="t.post", amount=3_000)
        assert (wallet.available, wallet.held, wallet.debits_posted, sink.credits_posted) == (7_000, 0, 3_000, 3_000)
        assert loaded.pending_state == "posted" and not session.dirty
        # What the session shows is what is stored.
        for account in (source, wallet, sink):
            shown = {name: getattr(account, name) for name in ledger._TOTALS}
            await session.refresh(account)
            assert {name: getattr(account, name) for name in ledger._TOTALS} == shown


async def test_a_savepoint_rolled_back_after_a_transfer_expires_the_totals_it_showed(platform):
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        await ledger.transfer(session, source, wallet, 1_000, code="t.fund", reference="r")
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        savepoint = await session.begin_nested()
        await ledger.transfer(session, wallet, sink, 700, code="t.out", reference="undone")
        assert wallet.available == 300
        await savepoint.rollback()
        assert "credits_posted" in inspect(wallet).expired_attributes
        await session.refresh(wallet)
        assert wallet.available == 1_000
        assert await transfers_with_code(session, "t.out") == 0
