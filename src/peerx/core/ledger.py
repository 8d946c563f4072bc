"""Double-entry ledger, shaped like TigerBeetle.

An account keeps four running totals: debits/credits, pending/posted. A transfer moves an amount
from a debit account to a credit account of the same currency and mode. Two-phase transfers
reserve first (pending) and later post (all or part) or void. Accounts that must not go negative
carry a flag, checked in the same transaction under a row lock (PostgreSQL: SELECT ... FOR UPDATE
in primary-key order; SQLite: the write lock every transaction takes). On PostgreSQL a transfer,
post or void is one server-side statement (lock, apply, check, write: one round trip).

Sign convention: a customer's balance is a platform liability, so it grows by credits:
available = credits_posted - debits_posted - debits_pending.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, String, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, make_transient_to_detached, mapped_column
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from peerx.core import metrics
from peerx.core.db import Base, dialect_insert, utcnow
from peerx.core.errors import Conflict, InsufficientFunds, NotFound


class AccountFlag(enum.StrEnum):
    NONE = "none"
    DEBITS_MUST_NOT_EXCEED_CREDITS = "debits_must_not_exceed_credits"  # balances people own
    CREDITS_MUST_NOT_EXCEED_DEBITS = "credits_must_not_exceed_debits"  # e.g. a float we prefund


class TransferKind(enum.StrEnum):
    SINGLE = "single"  # posted at once
    PENDING = "pending"
    POST_PENDING = "post_pending"
    VOID_PENDING = "void_pending"


class PendingState(enum.StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    currency: Mapped[str] = mapped_column(String(8))
    livemode: Mapped[bool]
    flag: Mapped[str] = mapped_column(String(40))
    debits_pending: Mapped[int] = mapped_column(default=0)
    debits_posted: Mapped[int] = mapped_column(default=0)
    credits_pending: Mapped[int] = mapped_column(default=0)
    credits_posted: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]

    @property
    def available(self) -> int:
        return self.credits_posted - self.debits_posted - self.debits_pending

    @property
    def held(self) -> int:
        return self.debits_pending


class LedgerTransfer(Base):
    __tablename__ = "ledger_transfers"
    __table_args__ = (Index("ix_ledger_transfers_pending_id", "pending_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    credit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(8))
    livemode: Mapped[bool]
    kind: Mapped[str] = mapped_column(String(20))
    pending_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    # Only on PENDING transfers: what became of the reservation.
    pending_state: Mapped[str | None] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(60))  # what the movement is, e.g. giftcards.trade_approved
    reference: Mapped[str] = mapped_column(String(120), index=True)  # our object's id
    created_at: Mapped[datetime]


@dataclass(frozen=True)
class AccountSpec:
    """Names an account; get_account creates it the first time it is needed."""

    owner: str  # "party:12", "platform"
    purpose: str  # "wallet", "fees", "payouts_in_flight", "funding"
    currency: str
    livemode: bool
    flag: AccountFlag = AccountFlag.NONE

    @property
    def key(self) -> str:
        return f"{self.owner}/{self.purpose}/{self.currency}/{'live' if self.livemode else 'test'}"


def party_wallet(party_id: int, currency: str, livemode: bool, purpose: str = "wallet") -> AccountSpec:
    return AccountSpec(f"party:{party_id}", purpose, currency, livemode, AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS)


def platform_account(purpose: str, currency: str, livemode: bool, flag: AccountFlag = AccountFlag.NONE) -> AccountSpec:
    return AccountSpec("platform", purpose, currency, livemode, flag)


async def get_account(session: AsyncSession, spec: AccountSpec) -> LedgerAccount:
    """Get or create, race-free: concurrent creators both end up with the one row."""
    found = await session.scalar(select(LedgerAccount).where(LedgerAccount.key == spec.key))
    if found is not None:
        return found
    insert = dialect_insert(session)
    values = {
        "key": spec.key,
        "currency": spec.currency,
        "livemode": spec.livemode,
        "flag": spec.flag.value,
        "debits_pending": 0,
        "debits_posted": 0,
        "credits_pending": 0,
        "credits_posted": 0,
        "created_at": utcnow(),
    }
    await session.execute(insert(LedgerAccount).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    account = await session.scalar(select(LedgerAccount).where(LedgerAccount.key == spec.key))
    assert account is not None
    return account


async def find_account(session: AsyncSession, spec: AccountSpec) -> LedgerAccount | None:
    return await session.scalar(select(LedgerAccount).where(LedgerAccount.key == spec.key))


async def _lock(session: AsyncSession, *account_ids: int) -> dict[int, LedgerAccount]:
    """Lock the accounts in primary-key order (no deadlocks) and load their current totals."""
    rows = await session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.id.in_(sorted(set(account_ids))))
        .order_by(LedgerAccount.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in rows}


def _refusal(key: str, flag: str) -> InsufficientFunds:
    if flag == AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS:
        return InsufficientFunds("Insufficient balance.", details={"account": key})
    return InsufficientFunds("Insufficient funds in the platform account.", details={"account": key})


def _check_limits(account: LedgerAccount) -> None:
    if account.flag == AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS and (
        account.debits_pending + account.debits_posted > account.credits_posted
    ):
        raise _refusal(account.key, account.flag)
    if account.flag == AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS and (
        account.credits_pending + account.credits_posted > account.debits_posted
    ):
        raise _refusal(account.key, account.flag)


def _on_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# PostgreSQL: one statement per transfer, post or void, so the hot row is locked for one round
# trip at the end of the unit of work, never while Python runs. The functions (migration
# 20261206_24_ledger) say why they are correct under READ COMMITTED. Built once; asyncpg keeps
# each as a prepared statement per connection.
_PG_TRANSFER = text(
    "SELECT * FROM peerx_ledger_transfer(:debit, :credit, :amount, :pending, :code, :reference, :created_at)"
)
_PG_RESOLVE = text("SELECT * FROM peerx_ledger_resolve(:pending_id, :post, :amount, :code, :created_at)")
_TOTALS = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _show_totals(session: AsyncSession, account_id: int, totals: Sequence[int], *given: LedgerAccount) -> None:
    """Give the session's (and the caller's) object for the account the totals just written,
    as committed values: the ORM must not write them again. They are also registered as altered
    in the current (sub)transaction, as a flush would, so that rolling back a savepoint expires
    them instead of leaving totals that were undone."""
    sync = session.sync_session
    found = sync.identity_map.get(identity_key(LedgerAccount, account_id))
    seen: set[int] = set()
    for account in (found, *given):
        if account is None or id(account) in seen or account.id != account_id:
            continue
        seen.add(id(account))
        for name, value in zip(_TOTALS, totals, strict=True):
            set_committed_value(account, name, value)
        state = inspect(account)
        if state.session_id == sync.hash_key:
            sync._register_altered([state])


def _detached_transfer(transfer_id: int, **values: object) -> LedgerTransfer:
    """The row the statement inserted, as an object that is not inserted again if added."""
    row = LedgerTransfer(id=transfer_id, **values)
    make_transient_to_detached(row)
    return row


async def _transfer_pg(
    session: AsyncSession,
    debit: LedgerAccount,
    credit: LedgerAccount,
    amount: int,
    *,
    code: str,
    reference: str,
    pending: bool,
) -> LedgerTransfer:
    await session.flush()  # the statement runs after whatever the unit of work wrote before it
    created_at = utcnow()
    result = await session.execute(
        _PG_TRANSFER,
        {
            "debit": debit.id,
            "credit": credit.id,
            "amount": amount,
            "pending": pending,
            "code": code,
            "reference": reference,
            "created_at": _naive_utc(created_at),
        },
    )
    out = result.one()
    if out.o_transfer_id is None:
        raise _refusal(out.o_failed_key, out.o_failed_flag)
    _show_totals(session, debit.id, out[3:7], debit)
    _show_totals(session, credit.id, out[7:11], credit)
    return _detached_transfer(
        out.o_transfer_id,
        debit_account_id=debit.id,
        credit_account_id=credit.id,
        amount=amount,
        currency=out.o_currency,
        livemode=out.o_livemode,
        kind=TransferKind.PENDING if pending else TransferKind.SINGLE,
        pending_id=None,
        pending_state=PendingState.PENDING if pending else None,
        code=code,
        reference=reference,
        created_at=created_at,
    )


async def _transfer_orm(
    session: AsyncSession,
    debit: LedgerAccount,
    credit: LedgerAccount,
    amount: int,
    *,
    code: str,
    reference: str,
    pending: bool,
) -> LedgerTransfer:
    """SQLite's path (its write lock is taken at BEGIN, so the round trips hold nobody up)."""
    locked = await _lock(session, debit.id, credit.id)
    d, c = locked[debit.id], locked[credit.id]
    if pending:
        d.debits_pending += amount
        c.credits_pending += amount
    else:
        d.debits_posted += amount
        c.credits_posted += amount
    _check_limits(d)
    _check_limits(c)
    row = LedgerTransfer(
        debit_account_id=d.id,
        credit_account_id=c.id,
        amount=amount,
        currency=d.currency,
        livemode=d.livemode,
        kind=TransferKind.PENDING if pending else TransferKind.SINGLE,
        pending_state=PendingState.PENDING if pending else None,
        code=code,
        reference=reference,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def transfer(
    session: AsyncSession,
    debit: LedgerAccount,
    credit: LedgerAccount,
    amount: int,
    *,
    code: str,
    reference: str,
    pending: bool = False,
) -> LedgerTransfer:
    if amount <= 0:
        raise ValueError("transfer amount must be positive")
    if debit.id == credit.id:
        raise ValueError("a transfer needs two different accounts")
    if (debit.currency, debit.livemode) != (credit.currency, credit.livemode):
        raise ValueError("accounts of a transfer must share currency and mode")
    move = _transfer_pg if _on_postgresql(session) else _transfer_orm
    row = await move(session, debit, credit, amount, code=code, reference=reference, pending=pending)
    metrics.count_transfer(session, code, "pending" if pending else "posted")  # counted when committed
    return row


async def _resolve_pending_pg(
    session: AsyncSession, pending_id: int, *, post: bool, post_amount: int | None, code: str
) -> LedgerTransfer:
    await session.flush()
    created_at = utcnow()
    result = await session.execute(
        _PG_RESOLVE,
        {
            "pending_id": pending_id,
            "post": post,
            "amount": post_amount,
            "code": code,
            "created_at": _naive_utc(created_at),
        },
    )
    out = result.one()
    if out.o_status == "not_found":
        raise NotFound(f"pending transfer {pending_id} not found")
    if out.o_status == "conflict":
        raise Conflict(f"pending transfer {pending_id} is already {out.o_failed_flag}")
    if out.o_status == "bad_amount":
        raise ValueError("post amount must be positive and at most the pending amount")
    if out.o_status == "insufficient":
        raise _refusal(out.o_failed_key, out.o_failed_flag)
    _show_totals(session, out.o_debit_id, out[10:14])
    _show_totals(session, out.o_credit_id, out[14:18])
    state = PendingState.POSTED if post else PendingState.VOIDED
    reservation = session.sync_session.identity_map.get(identity_key(LedgerTransfer, pending_id))
    if reservation is not None:
        set_committed_value(reservation, "pending_state", state)
        session.sync_session._register_altered([inspect(reservation)])
    return _detached_transfer(
        out.o_transfer_id,
        debit_account_id=out.o_debit_id,
        credit_account_id=out.o_credit_id,
        amount=out.o_amount,
        currency=out.o_currency,
        livemode=out.o_livemode,
        kind=TransferKind.POST_PENDING if post else TransferKind.VOID_PENDING,
        pending_id=pending_id,
        pending_state=None,
        code=code,
        reference=out.o_reference,
        created_at=created_at,
    )


async def _resolve_pending(
    session: AsyncSession, pending_id: int, *, post: bool, post_amount: int | None, code: str
) -> LedgerTransfer:
    """Post (`post_amount`, or all of it when None) or void a reservation."""
    resolve = _resolve_pending_pg if _on_postgresql(session) else _resolve_pending_orm
    row = await resolve(session, pending_id, post=post, post_amount=post_amount, code=code)
    metrics.count_transfer(session, code, "post_pending" if post else "void_pending")
    return row


async def _resolve_pending_orm(
    session: AsyncSession, pending_id: int, *, post: bool, post_amount: int | None, code: str
) -> LedgerTransfer:
    # Lock the pending transfer itself first: it is the unit two resolvers race for.
    pending = await session.scalar(
        select(LedgerTransfer)
        .where(LedgerTransfer.id == pending_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if pending is None or pending.kind != TransferKind.PENDING:
        raise NotFound(f"pending transfer {pending_id} not found")
    if pending.pending_state != PendingState.PENDING:
        raise Conflict(f"pending transfer {pending_id} is already {pending.pending_state}")
    if post and post_amount is None:
        post_amount = pending.amount
    locked = await _lock(session, pending.debit_account_id, pending.credit_account_id)
    d, c = locked[pending.debit_account_id], locked[pending.credit_account_id]
    d.debits_pending -= pending.amount
    c.credits_pending -= pending.amount
    if post:
        assert post_amount is not None
        if not 0 < post_amount <= pending.amount:
            raise ValueError("post amount must be positive and at most the pending amount")
        d.debits_posted += post_amount
        c.credits_posted += post_amount
        _check_limits(d)
        _check_limits(c)
    pending.pending_state = PendingState.POSTED if post else PendingState.VOIDED
    row = LedgerTransfer(
        debit_account_id=d.id,
        credit_account_id=c.id,
        amount=post_amount if post and post_amount is not None else pending.amount,
        currency=pending.currency,
        livemode=pending.livemode,
        kind=TransferKind.POST_PENDING if post else TransferKind.VOID_PENDING,
        pending_id=pending.id,
        code=code,
        reference=pending.reference,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def post_pending(
    session: AsyncSession, pending_id: int, *, code: str, amount: int | None = None
) -> LedgerTransfer:
    """Complete a reservation; `amount` below the reserved amount releases the rest."""
    return await _resolve_pending(session, pending_id, post=True, post_amount=amount, code=code)


async def void_pending(session: AsyncSession, pending_id: int, *, code: str) -> LedgerTransfer:
    return await _resolve_pending(session, pending_id, post=False, post_amount=None, code=code)


@dataclass
class VerifyReport:
    ok: bool = True
    accounts: int = 0
    transfers: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)


async def verify(session: AsyncSession) -> VerifyReport:
    """Recompute every account's totals from the transfers and compare; check that each currency
    balances (debits == credits), limits hold, and every reservation is resolved at most once."""
    report = VerifyReport()
    t = LedgerTransfer
    expected: dict[int, dict[str, int]] = {}

    def add(account_id: int, column: str, amount: int) -> None:
        totals = expected.setdefault(account_id, {"dp": 0, "dP": 0, "cp": 0, "cP": 0})
        totals[column] += amount

    pending_amounts = dict((await session.execute(select(t.id, t.amount).where(t.kind == TransferKind.PENDING))).all())
    sums = await session.execute(
        select(
            t.kind, t.debit_account_id, t.credit_account_id, t.pending_id, func.sum(t.amount), func.count()
        ).group_by(t.kind, t.debit_account_id, t.credit_account_id, t.pending_id)
    )
    resolutions: dict[int, int] = {}
    for kind, debit_id, credit_id, pending_id, total, count in sums:
        report.transfers += count
        if kind == TransferKind.SINGLE:
            add(debit_id, "dP", total)
            add(credit_id, "cP", total)
        elif kind == TransferKind.PENDING:
            add(debit_id, "dp", total)
            add(credit_id, "cp", total)
        else:
            assert pending_id is not None, "a post or void always names its reservation"
            resolutions[pending_id] = resolutions.get(pending_id, 0) + count
            reserved = pending_amounts.get(pending_id, 0)
            add(debit_id, "dp", -reserved * count)
            add(credit_id, "cp", -reserved * count)
            if kind == TransferKind.POST_PENDING:
                add(debit_id, "dP", total)
                add(credit_id, "cP", total)
    for pending_id, count in resolutions.items():
        if count > 1:
            report.fail(f"pending transfer {pending_id} resolved {count} times")
        if pending_id not in pending_amounts:
            report.fail(f"resolution of unknown pending transfer {pending_id}")

    balance: dict[tuple[str, bool], list[int]] = {}
    for account in await session.scalars(select(LedgerAccount).order_by(LedgerAccount.id)):
        report.accounts += 1
        want = expected.get(account.id, {"dp": 0, "dP": 0, "cp": 0, "cP": 0})
        have = {
            "dp": account.debits_pending,
            "dP": account.debits_posted,
            "cp": account.credits_pending,
            "cP": account.credits_posted,
        }
        if want != have:
            report.fail(f"account {account.key}: stored {have} but transfers give {want}")
        try:
            _check_limits(account)
        except InsufficientFunds:
            report.fail(f"account {account.key} breaks its limit {account.flag}")
        totals = balance.setdefault((account.currency, account.livemode), [0, 0])
        totals[0] += account.debits_posted + account.debits_pending
        totals[1] += account.credits_posted + account.credits_pending
    for (currency, livemode), (debits, credits) in balance.items():
        if debits != credits:
            mode = "live" if livemode else "test"
            report.fail(f"{currency} ({mode}) does not balance: debits {debits} != credits {credits}")
    return report
