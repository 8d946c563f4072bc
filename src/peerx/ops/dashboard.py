"""What the console's dashboard shows: money moved per day, platform balances, work waiting in
the job queue, failed jobs and failed webhook deliveries. Core tables only (ledger, jobs,
events): the dashboard knows no product."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.events import DEAD as DELIVERY_DEAD
from peerx.core.events import PENDING as DELIVERY_PENDING
from peerx.core.events import Event, WebhookDelivery, WebhookEndpoint
from peerx.core.jobs import DEAD as JOB_DEAD
from peerx.core.jobs import QUEUED, RUNNING, Job
from peerx.core.ledger import LedgerAccount, LedgerTransfer
from peerx.platform import Platform

RECENT = 10


async def volumes_per_day(platform: Platform, session: AsyncSession, *, days: int, livemode: bool) -> dict[str, Any]:
    """Sum of ledger transfers per UTC day and currency over the last `days` days (every day
    listed, zeros included), in minor units."""
    today = utcnow().date()
    first = today - timedelta(days=days - 1)
    day = func.date(LedgerTransfer.created_at)
    rows = await session.execute(
        select(day, LedgerTransfer.currency, func.sum(LedgerTransfer.amount))
        .where(LedgerTransfer.created_at >= _midnight(first), LedgerTransfer.livemode == livemode)
        .group_by(day, LedgerTransfer.currency)
    )
    totals: dict[str, dict[str, int]] = {}
    for raw_day, currency, total in rows:
        key = raw_day.isoformat() if isinstance(raw_day, date) else str(raw_day)[:10]
        totals.setdefault(currency, {})[key] = int(total or 0)
    dates = [(first + timedelta(days=n)).isoformat() for n in range(days)]
    return {
        "days": dates,
        "currencies": {currency: [per_day.get(d, 0) for d in dates] for currency, per_day in sorted(totals.items())},
    }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


async def platform_balances(platform: Platform, session: AsyncSession, *, livemode: bool) -> list[dict[str, Any]]:
    """The platform's own accounts (fees, purchases, floats...), not any party's wallet."""
    accounts = await session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.key.like("platform/%"), LedgerAccount.livemode == livemode)
        .order_by(LedgerAccount.key)
    )
    return [
        {
            "key": account.key,
            "purpose": account.key.split("/")[1],
            "currency": account.currency,
            "credits_minus_debits": account.credits_posted - account.debits_posted,
            "pending": account.credits_pending - account.debits_pending,
        }
        for account in accounts
    ]


async def job_queues(platform: Platform, session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Job.kind, Job.status, func.count())
        .where(Job.status.in_((QUEUED, RUNNING)))
        .group_by(Job.kind, Job.status)
        .order_by(Job.kind)
    )
    queues: dict[str, dict[str, Any]] = {}
    for kind, status, count in rows:
        queues.setdefault(kind, {"kind": kind, QUEUED: 0, RUNNING: 0})[status] = int(count)
    return list(queues.values())


async def failed_jobs(platform: Platform, session: AsyncSession) -> dict[str, Any]:
    total = await session.scalar(select(func.count()).where(Job.status == JOB_DEAD))
    recent = await session.scalars(
        select(Job).where(Job.status == JOB_DEAD).order_by(Job.finished_at.desc(), Job.id.desc()).limit(RECENT)
    )
    return {
        "total": int(total or 0),
        "recent": [
            {"id": job.id, "kind": job.kind, "attempts": job.attempts, "error": job.last_error, "at": job.finished_at}
            for job in recent
        ],
    }


async def webhook_failures(platform: Platform, session: AsyncSession) -> dict[str, Any]:
    dead = await session.scalar(select(func.count()).where(WebhookDelivery.status == DELIVERY_DEAD))
    retrying = await session.scalar(
        select(func.count()).where(WebhookDelivery.status == DELIVERY_PENDING, WebhookDelivery.attempts > 0)
    )
    recent = await session.execute(
        select(WebhookDelivery, Event.type, WebhookEndpoint.url)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == DELIVERY_DEAD)
        .order_by(WebhookDelivery.id.desc())
        .limit(RECENT)
    )
    return {
        "dead": int(dead or 0),
        "retrying": int(retrying or 0),
        "recent": [
            {
                "id": delivery.id,
                "event_type": event_type,
                "url": url,
                "attempts": delivery.attempts,
                "status_code": delivery.last_status_code,
                "error": delivery.last_error,
            }
            for delivery, event_type, url in recent
        ],
    }


async def overview(platform: Platform, session: AsyncSession, *, days: int, livemode: bool) -> dict[str, Any]:
    return {
        "livemode": livemode,
        "volumes": await volumes_per_day(platform, session, days=days, livemode=livemode),
        "balances": await platform_balances(platform, session, livemode=livemode),
        "queues": await job_queues(platform, session),
        "failed_jobs": await failed_jobs(platform, session),
        "webhooks": await webhook_failures(platform, session),
    }
