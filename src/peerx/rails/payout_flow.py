"""The payout job pattern every product shares (gift-card withdrawals, remittances).

A product's payout job calls `run` with two callbacks, each run in its own short unit of work:

- `prepare` locks the product's row and decides what to ask: on the first attempt it picks the
  rail and marks the payout as sent (before any network call, so a crash after the call can
  never lead to a second send); later it names the rail chosen then.
- `settle` locks the row again and applies a definitive answer (post or void the holds).

Between the two, with no transaction and no lock held, the rail is asked: `send` once, then
only `status`. A timeout or 5xx means the outcome is unknown: keep the hold and ask again later.
`PayoutNotFound` means the provider never recorded the first send: sending again with the
*same* reference is safe (MTN deduplicates on X-Reference-Id; Orange never paid a payToken).

The first attempt also records which job owns the reference (rail_payouts), so a provider
callback can wake that job at once instead of waiting for the next poll.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import metrics
from peerx.core.db import Database, dialect_insert, utcnow
from peerx.core.jobs import RetryLater, enqueue
from peerx.rails.models import RailPayout
from peerx.rails.payouts import PayoutNotFound, PayoutRail, PayoutRequest, PayoutResult, PayoutStatus, RailUnavailable

POLL_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class Attempt:
    rail: PayoutRail
    request: PayoutRequest
    first: bool  # never sent before: `send`; otherwise `status`


Prepare = Callable[[AsyncSession], Awaitable[Attempt | None]]
Settle = Callable[[AsyncSession, PayoutResult], Awaitable[None]]


async def record(session: AsyncSession, attempt: Attempt, *, job_kind: str, job_payload: dict[str, Any]) -> None:
    """Remember which job owns the reference (idempotent: a re-send keeps the first row)."""
    insert = dialect_insert(session)
    await session.execute(
        insert(RailPayout)
        .values(
            reference=attempt.request.reference,
            rail=attempt.rail.name,
            country=attempt.request.country,
            job_kind=job_kind,
            job_payload=job_payload,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["reference"])
    )


async def run(
    db: Database,
    *,
    job_kind: str,
    job_payload: dict[str, Any],
    prepare: Prepare,
    settle: Settle,
    poll_every: timedelta = POLL_EVERY,
) -> None:
    async with db.transaction() as session:
        attempt = await prepare(session)
        if attempt is not None and attempt.first:
            await record(session, attempt, job_kind=job_kind, job_payload=job_payload)
    if attempt is None:
        return
    result = await ask_rail(attempt.rail, attempt.request, attempt.first)
    metrics.count_payout(attempt.rail.name, "unknown" if result is None else str(result.status))
    if result is not None and result.status != PayoutStatus.PENDING:
        async with db.transaction() as session:
            await settle(session, result)
        return
    if attempt.rail.name != "manual":  # the manual rail waits for an operator, not for polling
        raise RetryLater(utcnow() + poll_every, "payout pending")


async def ask_rail(rail: PayoutRail, request: PayoutRequest, first: bool) -> PayoutResult | None:
    """The rail's answer, or None when the outcome is still unknown (keep the hold, ask again)."""
    try:
        if first:
            return await rail.send(request)
        try:
            return await rail.status(request)
        except PayoutNotFound:
            # The first send never reached the provider: the same reference cannot pay twice.
            return await rail.send(request)
    except RailUnavailable:
        return None
    except ValueError as exc:  # the rail can never carry this payout (checked before any network call)
        return PayoutResult(PayoutStatus.FAILED, reason=str(exc)[:200])


HINT_EVERY = timedelta(seconds=5)  # callbacks for one payout wake its job at most this often


async def wake(session: AsyncSession, reference: str) -> bool:
    """A provider's callback is a hint: queue the owning job now, and it asks `status` itself.
    Throttled per reference, so a flood of (unsigned) callbacks cannot flood the job queue."""
    row = await session.scalar(
        select(RailPayout)
        .where(RailPayout.reference == reference)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        return False
    now = utcnow()
    if row.last_hint_at is not None and now - row.last_hint_at < HINT_EVERY:
        return False
    row.last_hint_at = now
    await enqueue(session, row.job_kind, row.job_payload)
    return True
