"""The ledger on its own: two-phase transfers, limits enforced in the transaction, and verify
catching any drift between stored totals and the transfers."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from peerx.core import ledger
from peerx.core.db import Database
from peerx.core.errors import Conflict, InsufficientFunds


async def accounts(session, livemode=True):
    source = await ledger.get_account(session, ledger.platform_account("funding", "GHS", livemode))
    wallet = await ledger.get_account(session, ledger.party_wallet(1, "GHS", livemode))
    sink = await ledger.get_account(session, ledger.platform_account("payouts_in_flight", "GHS", livemode))
    return source, wallet, sink


async def test_two_phase_post_void_and_partial_post(platform):
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        await ledger.transfer(session, source, wallet, 10_000, code="t.fund", reference="r1")
        hold = await ledger.transfer(session, wallet, sink, 4_000, code="t.hold", reference="r2", pending=True)
        assert (wallet.available, wallet.held) == (6_000, 4_000)
        await ledger.post_pending(session, hold.id, code="t.post", amount=3_000)  # the rest is released
        assert (wallet.available, wallet.held, wallet.debits_posted) == (7_000, 0, 3_000)
        with pytest.raises(Conflict):
            await ledger.void_pending(session, hold.id, code="t.void")
        second = await ledger.transfer(session, wallet, sink, 7_000, code="t.hold", reference="r3", pending=True)
        await ledger.void_pending(session, second.id, code="t.void")
        assert wallet.available == 7_000
        report = await ledger.verify(session)
        assert report.ok, report.problems
        assert report.transfers == 5


async def test_limits_hold_for_posted_and_pending_debits(platform):
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        await ledger.transfer(session, source, wallet, 500, code="t.fund", reference="r")
    for pending in (False, True):
        with pytest.raises(InsufficientFunds):
            async with platform.db.transaction() as session:
                source, wallet, sink = await accounts(session)
                await ledger.transfer(session, wallet, sink, 501, code="t.out", reference="r", pending=pending)
    async with platform.db.transaction() as session:
        source, wallet, sink = await accounts(session)
        assert wallet.available == 500 and (await ledger.verify(session)).ok


async def test_transfers_refuse_mixed_currencies_modes_and_bad_amounts(platform):
    async with platform.db.transaction() as session:
        source, wallet, _ = await accounts(session)
        test_wallet = await ledger.get_account(session, ledger.party_wallet(1, "GHS", False))
        usd = await ledger.get_account(session, ledger.party_wallet(1, "USD", True))
        for debit, credit, amount in (
            (source, test_wallet, 1),
            (source, usd, 1),
            (source, wallet, 0),
            (source, wallet, -5),
            (source, source, 1),
        ):
            with pytest.raises(ValueError):
                await ledger.transfer(session, debit, credit, amount, code="t", reference="r")


async def test_verify_detects_tampered_balances_and_unbalanced_books(platform):
    async with platform.db.transaction() as session:
        source, wallet, _ = await accounts(session)
        await ledger.transfer(session, source, wallet, 1_000, code="t.fund", reference="r")
    async with platform.db.transaction() as session:
        await session.execute(
            update(ledger.LedgerAccount).where(ledger.LedgerAccount.id == wallet.id).values(credits_posted=999_999)
        )
    async with platform.db.transaction() as session:
        report = await ledger.verify(session)
    assert not report.ok
    assert any("stored" in p for p in report.problems) and any("does not balance" in p for p in report.problems)


async def test_get_account_is_get_or_create(platform):
    async with platform.db.transaction() as session:
        first = await ledger.get_account(session, ledger.party_wallet(9, "USD", True))
        again = await ledger.get_account(session, ledger.party_wallet(9, "USD", True))
        assert first.id == again.id and first.flag == ledger.AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS


operations = st.lists(
    st.tuples(st.sampled_from(["fund", "hold", "post", "void", "spend"]), st.integers(min_value=1, max_value=5_000)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_keeps_the_books_balanced(database_url, ops):
    """Whatever happens, a wallet never goes negative and verify agrees with the stored totals."""
    asyncio.run(_replay(database_url, ops))


async def _replay(database_url: str, ops: list[tuple[str, int]]) -> None:
    db = Database(database_url)
    try:
        async with db.sessionmaker() as session:
            source, wallet, sink = await accounts(session)
            open_holds: list[int] = []
            for op, amount in ops:
                try:
                    async with session.begin_nested():
                        if op == "fund":
                            await ledger.transfer(session, source, wallet, amount, code="p.fund", reference="p")
                        elif op == "hold":
                            open_holds.append(
                                (
                                    await ledger.transfer(
                                        session, wallet, sink, amount, code="p.hold", reference="p", pending=True
                                    )
                                ).id
                            )
                        elif op == "spend":
                            await ledger.transfer(session, wallet, sink, amount, code="p.spend", reference="p")
                        elif open_holds:
                            hold = open_holds.pop(amount % len(open_holds))
                            if op == "post":
                                await ledger.post_pending(session, hold, code="p.post")
                            else:
                                await ledger.void_pending(session, hold, code="p.void")
                except InsufficientFunds:
                    pass
                for account in (source, wallet, sink):  # a rolled-back savepoint expires them
                    await session.refresh(account)
                assert wallet.available >= 0
            report = await ledger.verify(session)
            assert report.ok, report.problems
            await session.rollback()  # each example starts from the same empty books
    finally:
        await db.dispose()
