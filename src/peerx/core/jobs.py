"""Durable jobs in the database: timers (expiries, payment windows), payouts, webhook deliveries.

A worker claims due jobs in a short transaction (PostgreSQL: FOR UPDATE SKIP LOCKED, so several
workers never claim the same row; SQLite: the write lock), marks them running with a lease, and
runs each handler outside that transaction. While the batch runs, a heartbeat renews the lease of
every job in it that the worker still holds, so a handler may run longer than the lease and the
lease can stay short. A worker that dies stops renewing; its lease expires and the job is claimed
again: delivery is at least once, so handlers are idempotent (they check the state they act on).
A restart loses no timer because timers are rows.

A claim is one statement (UPDATE ... RETURNING). Most kinds run one job at a time, each finished
in its own short transaction. A kind registered as a `Batch` (network-bound work such as webhook
deliveries) gets every claimed job of its kind at once: it reads what it needs in one query, does
the slow part concurrently, and hands back each job's outcome together with a `record` step that
the worker runs in the same transaction that finishes those jobs (one transaction per batch).

On PostgreSQL every insert into jobs NOTIFYs `peerx_jobs` (a statement trigger, so it is sent at
commit and costs the enqueuing transaction no round trip); the worker LISTENs on a connection of
its own and claims at once. Polling stays as the fallback (a lost connection, SQLite, timers that
fall due later); in one process, a commit also wakes the embedded worker directly (WAKE_KEY).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import JSON, Index, String, Table, Text, bindparam, func, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core import metrics
from peerx.core.db import Base, Database, dialect_insert, on_commit, utcnow
from peerx.core.logs import REQUEST_ID, current_request_id
from peerx.core.retry import RetryPolicy

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, DEAD = "queued", "running", "done", "dead"
# PostgreSQL: the jobs table's insert trigger (migration 20261206_25_webhooks) notifies this channel.
NOTIFY_CHANNEL = "peerx_jobs"


class CoreJob(StrEnum):
    """The core's own job kinds (their handlers: peerx.core.tasks)."""

    DELIVER_WEBHOOK = "webhooks.deliver"
    SEND_MAIL = "mail.send"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Optional: at most one live job per unique_key (e.g. one expiry timer per voucher).
    unique_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    run_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=20)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # The X-Request-Id of the request that queued it: set again while it runs (its log lines,
    # its outbound calls). None for jobs queued outside a request.
    request_id: Mapped[str | None] = mapped_column(String(200))


class RetryLater(Exception):
    """Raised by a handler to run again at `at` without counting a failure (polling)."""

    def __init__(self, at: datetime, reason: str = ""):
        super().__init__(reason)
        self.at = at


ServicesT = TypeVar("ServicesT", covariant=True)


@dataclass(frozen=True)
class JobContext(Generic[ServicesT]):
    """What a handler gets besides its payload: the database and the process's services (the
    platform; core handlers see it through a protocol of what they need)."""

    db: Database
    services: ServicesT


Handler = Callable[[JobContext[Any], dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, eq=False)
class Claimed:
    """One job of a claimed batch, as its worker holds it."""

    id: int
    token: str
    kind: str
    payload: dict[str, Any]
    attempts: int  # counting this run
    max_attempts: int
    request_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How one job of a batch ended: done (the default), failed (`error`: counted, retried with
    backoff until max_attempts) or, with `retry_at`, RetryLater (run again then, not a failure)."""

    error: str | None = None
    retry_at: datetime | None = None


# Writes the batch's own state in the transaction that finishes its jobs.
Record = Callable[[AsyncSession], Awaitable[None]]
BatchHandler = Callable[[JobContext[Any], list[Claimed]], Awaitable[tuple[dict[int, Outcome], Record | None]]]


@dataclass(frozen=True)
class Batch:
    """Registers a kind whose claimed jobs run together (see the module docstring): `run` gets them
    all and returns an outcome per job id (a job it leaves out is done) and an optional record."""

    run: BatchHandler


# Job kind -> handler. Each product's tasks.py has one; the composition root registers them all.
TaskTable = Mapping[str, Handler | Batch]


WAKE_KEY = "peerx.wake_worker"


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    run_at: datetime | None = None,
    unique_key: str | None = None,
    max_attempts: int = 20,
) -> None:
    """Queue a job inside the caller's unit of work: it exists only if that work commits."""
    values = {
        "kind": kind,
        "payload": payload,
        "unique_key": unique_key,
        "status": QUEUED,
        "run_at": run_at or utcnow(),
        "attempts": 0,
        "max_attempts": max_attempts,
        "created_at": utcnow(),
        "request_id": current_request_id(),
    }
    if unique_key is None:
        session.add(Job(**values))
        await session.flush()
    else:
        insert = dialect_insert(session)
        await session.execute(insert(Job).values(**values).on_conflict_do_nothing(index_elements=["unique_key"]))
    wake_on_commit(session)


def wake_on_commit(session: AsyncSession) -> None:
    """Jobs queued in this unit of work: wake this process's worker when it commits."""
    wake = session.info.get(WAKE_KEY)
    if wake is not None:
        on_commit(session, wake)


def _outcome_name(status: str, outcome: Outcome) -> str:
    if status == DONE:
        return "done"
    if status == DEAD:
        return "dead"
    return "retry" if outcome.retry_at is not None else "failed"


# A failed job waits 2 s, 4 s, 8 s ... up to an hour (core.retry: equal jitter, so jobs that
# failed together spread out); each job row carries its own max_attempts.
RETRY = RetryPolicy(max_attempts=20, base=timedelta(seconds=2), factor=2, cap=timedelta(hours=1), jitter=0.5)

# A lost LISTEN connection is retried 0.5 s, 1 s, 2 s ... up to 30 s apart, for ever (polling
# covers the gap), jittered: every worker loses it at once when the database restarts.
LISTEN_RECONNECT = RetryPolicy(max_attempts=2**31, base=timedelta(seconds=0.5), cap=timedelta(seconds=30), jitter=0.5)


def backoff(attempts: int) -> timedelta:
    return RETRY.delay(attempts)


@dataclass
class _Lease:
    """One claimed batch: its token and the jobs whose lease the heartbeat still renews."""

    token: str
    held: dict[int, str]  # job id -> kind; a job leaves before its finish, or when its lease is lost
    lost: set[int] = field(default_factory=set)


class Worker:
    LISTEN_CHECK_SECONDS = 15.0

    def __init__(
        self,
        db: Database,
        context: JobContext[Any],
        *,
        tasks: TaskTable | None = None,
        lease_seconds: float = 30,
        batch_size: int = 10,
    ):
        self.db = db
        self.context = context
        self.handlers: dict[str, Handler | Batch] = {}
        self.register(tasks or {})
        self.lease = timedelta(seconds=lease_seconds)
        # Three renewals per lease: one failed renewal (a busy database) still leaves time for the next.
        self.heartbeat_seconds = lease_seconds / 3
        self.batch_size = batch_size
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.wakeup = asyncio.Event()

    def register(self, tasks: TaskTable) -> None:
        """Add a table of handlers; a kind registered twice is a wiring mistake, refused."""
        taken = self.handlers.keys() & tasks.keys()
        if taken:
            raise ValueError(f"job kinds registered twice: {sorted(taken)}")
        self.handlers.update(tasks)

    async def claim(self) -> list[Claimed]:
        """Lease up to batch_size due jobs in one statement (PostgreSQL: SKIP LOCKED, so several
        workers never claim the same row; SQLite: the write lock)."""
        now = utcnow()
        token = uuid.uuid4().hex
        due = (
            select(Job.id)
            .where(
                or_(
                    (Job.status == QUEUED) & (Job.run_at <= now),
                    (Job.status == RUNNING) & (Job.lease_expires_at <= now),  # its worker died
                )
            )
            .order_by(Job.run_at, Job.id)
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )
        async with self.db.transaction() as session:
            rows = await session.execute(
                update(Job)
                .where(Job.id.in_(due.scalar_subquery()))
                .values(status=RUNNING, lease_token=token, lease_expires_at=now + self.lease, attempts=Job.attempts + 1)
                .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts, Job.request_id)
                .execution_options(synchronize_session=False)
            )
            claimed = [Claimed(row[0], token, row[1], row[2], row[3], row[4], row[5]) for row in rows]
        return sorted(claimed, key=lambda job: job.id)

    async def run_one(self, job: Claimed, lease: _Lease | None = None) -> None:
        token = REQUEST_ID.set(job.request_id)  # its log lines and outbound calls carry the id
        try:
            await self._run_one(job, lease)
        finally:
            REQUEST_ID.reset(token)

    async def _run_one(self, job: Claimed, lease: _Lease | None) -> None:
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            if isinstance(handler, Batch):
                outcomes, record = await handler.run(self.context, [job])
                await self._finish({job: outcomes.get(job.id, Outcome())}, lease, record)
                return
            await handler(self.context, job.payload)
        except RetryLater as retry:
            await self._finish({job: Outcome(error=str(retry) or None, retry_at=retry.at)}, lease)
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            await self._finish({job: Outcome(error=f"{type(exc).__name__}: {exc}")}, lease)
        else:
            await self._finish({job: Outcome()}, lease)

    async def run_batch(self, batch: Batch, jobs: list[Claimed], lease: _Lease) -> None:
        # The batch's own lines carry the id its jobs share, if they share one (a batch handler
        # sets each job's id where it works on that job alone).
        shared = {job.request_id for job in jobs}
        token = REQUEST_ID.set(shared.pop() if len(shared) == 1 else None)
        try:
            await self._run_batch(batch, jobs, lease)
        finally:
            REQUEST_ID.reset(token)

    async def _run_batch(self, batch: Batch, jobs: list[Claimed], lease: _Lease) -> None:
        try:
            outcomes, record = await batch.run(self.context, jobs)
        except Exception as exc:  # nothing recorded: every job of the batch failed this attempt
            log.exception("batch of %s jobs (%s) failed", len(jobs), jobs[0].kind)
            failed = Outcome(error=f"{type(exc).__name__}: {exc}")
            await self._finish(dict.fromkeys(jobs, failed), lease)
            return
        await self._finish({job: outcomes.get(job.id, Outcome()) for job in jobs}, lease, record)

    async def _finish(
        self, outcomes: dict[Claimed, Outcome], lease: _Lease | None, record: Record | None = None
    ) -> None:
        """Record a batch's own state (if any) and finish its jobs, in one transaction. A job whose
        lease was lost is left to its new holder (the WHERE on the token)."""
        if lease is not None:
            # Before the finish commits: a renewal that then misses the cleared token is not a loss.
            for job in outcomes:
                lease.held.pop(job.id, None)
        now = utcnow()
        rows = []
        ended: list[tuple[Claimed, str]] = []
        for job, outcome in outcomes.items():
            run_at: datetime | None = None  # None: unchanged
            finished_at: datetime | None = now
            status, attempts = DONE, job.attempts
            if outcome.retry_at is not None:
                status, run_at, finished_at, attempts = QUEUED, outcome.retry_at, None, job.attempts - 1  # polling
            elif outcome.error is not None and job.attempts >= job.max_attempts:
                status = DEAD
            elif outcome.error is not None:
                status, run_at, finished_at = QUEUED, now + backoff(job.attempts), None
            ended.append((job, _outcome_name(status, outcome)))
            rows.append(
                {
                    "job_id": job.id,
                    "token": job.token,
                    "new_status": status,
                    "new_run_at": run_at,
                    "new_finished_at": finished_at,
                    "new_attempts": attempts,
                    "error": outcome.error,
                }
            )
        table = cast(Table, Job.__table__)
        finish = (
            update(table)
            .where(table.c.id == bindparam("job_id"), table.c.lease_token == bindparam("token"))
            .values(
                status=bindparam("new_status"),
                run_at=func.coalesce(bindparam("new_run_at", type_=table.c.run_at.type), table.c.run_at),
                finished_at=bindparam("new_finished_at", type_=table.c.finished_at.type),
                attempts=bindparam("new_attempts"),
                last_error=bindparam("error"),
                lease_token=None,
                lease_expires_at=None,
            )
        )
        async with self.db.transaction() as session:
            if record is not None:
                await record(session)
            await (await session.connection()).execute(finish, rows)  # one executemany
        for job, name in ended:
            metrics.count_job(job.kind, name)
            token = REQUEST_ID.set(job.request_id)
            try:
                log.info("job %s (%s) %s, attempt %s", job.id, job.kind, name, job.attempts)
            finally:
                REQUEST_ID.reset(token)

    async def run_due(self) -> int:
        """Claim and run one batch; returns how many jobs it claimed."""
        batch = await self.claim()
        if not batch:
            return 0
        lease = _Lease(batch[0].token, {job.id: job.kind for job in batch})
        by_kind: dict[str, list[Claimed]] = {}
        for job in batch:
            by_kind.setdefault(job.kind, []).append(job)
        async with self._heartbeat(lease):
            for kind, jobs in by_kind.items():
                handler = self.handlers.get(kind)
                if isinstance(handler, Batch):
                    await self.run_batch(handler, jobs, lease)
                    continue
                for job in jobs:
                    if job.id in lease.lost:  # expired while earlier jobs ran: another worker has it now
                        continue
                    await self.run_one(job, lease)
        return len(batch)

    @asynccontextmanager
    async def _heartbeat(self, lease: _Lease) -> AsyncIterator[None]:
        """Renew the batch's leases every third of a lease until the block ends. Stopped by an
        event, not cancelled, so a renewal in flight finishes its transaction."""
        done = asyncio.Event()

        async def beat() -> None:
            while lease.held:
                try:
                    await asyncio.wait_for(done.wait(), self.heartbeat_seconds)
                    return
                except TimeoutError:
                    pass
                try:
                    await self._renew(lease)
                except Exception:  # the next beat tries again; the lease still has two thirds to go
                    log.exception("renewing job leases failed")

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            done.set()
            await task

    async def _renew(self, lease: _Lease) -> None:
        asked = set(lease.held)
        if not asked:
            return
        async with self.db.transaction() as session:
            # Only while we hold the token: a job another worker took over stays theirs.
            await session.execute(
                update(Job)
                .where(Job.id.in_(asked), Job.lease_token == lease.token, Job.status == RUNNING)
                .values(lease_expires_at=utcnow() + self.lease)
                .execution_options(synchronize_session=False)
            )
            kept = set(await session.scalars(select(Job.id).where(Job.id.in_(asked), Job.lease_token == lease.token)))
        for job_id in sorted((asked - kept) & lease.held.keys()):  # not finished meanwhile: lost
            kind = lease.held.pop(job_id)
            lease.lost.add(job_id)
            # Its finish will find the token gone and change nothing; another worker runs the job.
            log.warning("job %s (%s) lost its lease to another worker; it may run twice", job_id, kind)

    async def run_forever(self, poll_seconds: float, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self._listen(stop)) if not self.db.is_sqlite else None
        try:
            while not stop.is_set():
                self.wakeup.clear()  # before the claim: a job queued from here on wakes the wait below
                try:
                    ran = await self.run_due()
                except Exception:
                    log.exception("worker loop error")
                    ran = 0
                if ran:
                    continue
                waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wakeup.wait())]
                await asyncio.wait(waits, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED)
                for waiting in waits:
                    waiting.cancel()
        finally:
            if listener is not None:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)

    async def _listen(self, stop: asyncio.Event) -> None:
        """LISTEN for new jobs on a connection of our own (not the pool's), reconnecting after a
        loss; polling covers the gap, and each (re)connect wakes one claim for what it missed."""
        import asyncpg  # type: ignore[import-untyped]

        url = make_url(self.db.url).set(drivername="postgresql").render_as_string(hide_password=False)
        failures = 0
        while not stop.is_set():
            try:
                connection = await asyncpg.connect(url)
            except Exception as exc:
                log.warning("worker LISTEN connection failed (%s); polling until it is back", exc)
                failures += 1
                await asyncio.sleep(LISTEN_RECONNECT.delay(failures).total_seconds())
                continue
            try:
                await connection.add_listener(NOTIFY_CHANNEL, lambda *_args: self.wakeup.set())
                failures = 0
                self.wakeup.set()
                while True:  # a connection that died silently shows itself at the next check
                    await asyncio.sleep(self.LISTEN_CHECK_SECONDS)
                    await connection.execute("SELECT 1")
            except Exception as exc:
                log.warning("worker LISTEN connection lost (%s); reconnecting", exc)
                await asyncio.sleep(LISTEN_RECONNECT.delay(1).total_seconds())
            finally:
                if not connection.is_closed():
                    connection.terminate()


async def drain(worker: Worker, *, max_rounds: int = 1000) -> int:
    """Run jobs until none is due (tests and the CLI use this); returns how many ran."""
    total = 0
    for _ in range(max_rounds):
        ran = await worker.run_due()
        if not ran:
            return total
        total += ran
    raise RuntimeError("jobs kept coming: drain gave up")
