"""Durable jobs in the database: timers (expiries, payment windows), payouts, webhook deliveries.

A worker claims due jobs in a short transaction (PostgreSQL: FOR UPDATE SKIP LOCKED, so several
workers never claim the same row; SQLite: the write lock), marks them running with a lease, and
runs each handler outside that transaction. While the batch runs, a heartbeat renews the lease of
every job in it that the worker still holds, so a handler may run longer than the lease and the
lease can stay short. A worker that dies stops renewing; its lease expires and the job is claimed
again: delivery is at least once, so handlers are idempotent (they check the state they act on).
A restart loses no timer because timers are rows.
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
from typing import Any, Generic, TypeVar

from sqlalchemy import JSON, Index, String, Text, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base, Database, dialect_insert, on_commit, utcnow

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, DEAD = "queued", "running", "done", "dead"


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
# Job kind -> handler. Each product's tasks.py has one; the composition root registers them all.
TaskTable = Mapping[str, Handler]


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
    }
    if unique_key is None:
        session.add(Job(**values))
        await session.flush()
    else:
        insert = dialect_insert(session)
        await session.execute(insert(Job).values(**values).on_conflict_do_nothing(index_elements=["unique_key"]))
    wake = session.info.get(WAKE_KEY)
    if wake is not None:
        on_commit(session, wake)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 2 ** min(attempts, 12)))


@dataclass
class _Lease:
    """One claimed batch: its token and the jobs whose lease the heartbeat still renews."""

    token: str
    held: dict[int, str]  # job id -> kind; a job leaves before its finish, or when its lease is lost
    lost: set[int] = field(default_factory=set)


class Worker:
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
        self.handlers: dict[str, Handler] = {}
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

    async def claim(self) -> list[tuple[int, str, str, dict[str, Any]]]:
        now = utcnow()
        token = uuid.uuid4().hex
        async with self.db.transaction() as session:
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
            ids = list(await session.scalars(due))
            if not ids:
                return []
            await session.execute(
                update(Job)
                .where(Job.id.in_(ids))
                .values(status=RUNNING, lease_token=token, lease_expires_at=now + self.lease, attempts=Job.attempts + 1)
            )
            rows = await session.execute(select(Job.id, Job.kind, Job.payload).where(Job.id.in_(ids)).order_by(Job.id))
            return [(job_id, token, kind, payload) for job_id, kind, payload in rows]

    async def run_one(
        self, job_id: int, token: str, kind: str, payload: dict[str, Any], lease: _Lease | None = None
    ) -> None:
        handler = self.handlers.get(kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {kind!r}")
            await handler(self.context, payload)
        except RetryLater as retry:
            await self._finish(
                job_id, token, lease, status=QUEUED, run_at=retry.at, error=str(retry) or None, retry=True
            )
        except Exception as exc:
            log.exception("job %s (%s) failed", job_id, kind)
            await self._finish(job_id, token, lease, status=QUEUED, error=f"{type(exc).__name__}: {exc}")
        else:
            await self._finish(job_id, token, lease, status=DONE)

    async def _finish(
        self,
        job_id: int,
        token: str,
        lease: _Lease | None,
        *,
        status: str,
        run_at: datetime | None = None,
        error: str | None = None,
        retry: bool = False,
    ) -> None:
        if lease is not None:
            # Before the finish commits: a renewal that then misses the cleared token is not a loss.
            lease.held.pop(job_id, None)
        async with self.db.transaction() as session:
            job = await session.scalar(select(Job).where(Job.id == job_id, Job.lease_token == token).with_for_update())
            if job is None:  # our lease expired and another worker took the job over
                return
            job.lease_token = None
            job.lease_expires_at = None
            job.last_error = error
            if status == DONE:
                job.status, job.finished_at = DONE, utcnow()
            elif retry:
                job.status, job.run_at = QUEUED, run_at or utcnow()
                job.attempts -= 1  # polling is not a failure
            elif job.attempts >= job.max_attempts:
                job.status, job.finished_at = DEAD, utcnow()
            else:
                job.status, job.run_at = QUEUED, utcnow() + backoff(job.attempts)

    async def run_due(self) -> int:
        """Claim and run one batch; returns how many jobs it claimed."""
        batch = await self.claim()
        if not batch:
            return 0
        lease = _Lease(batch[0][1], {job_id: kind for job_id, _, kind, _ in batch})
        async with self._heartbeat(lease):
            for job_id, token, kind, payload in batch:
                if job_id in lease.lost:  # expired while earlier jobs ran: another worker has it now
                    continue
                await self.run_one(job_id, token, kind, payload, lease)
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
        while not stop.is_set():
            try:
                ran = await self.run_due()
            except Exception:
                log.exception("worker loop error")
                ran = 0
            if ran:
                continue
            self.wakeup.clear()
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wakeup.wait())]
            await asyncio.wait(waits, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()


async def drain(worker: Worker, *, max_rounds: int = 1000) -> int:
    """Run jobs until none is due (tests and the CLI use this); returns how many ran."""
    total = 0
    for _ in range(max_rounds):
        ran = await worker.run_due()
        if not ran:
            return total
        total += ran
    raise RuntimeError("jobs kept coming: drain gave up")
