"""What the console's dashboard shows: money moved per day, platform balances, work waiting in
the job queue, failed jobs and failed webhook deliveries. Core tables only (ledger, jobs,
events): the dashboard knows no product."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
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


# ---------------------------------------------------------------- charts over time (issue 16)

# A ledger transfer's product is its code's first word (giftcards.trade_fee); a job's, its kind's.
PRODUCTS = ("giftcards", "vouchers", "remittances", "escrow", "bitcoin")
# The ledger codes that settle a payout, by outcome (one per payout reference and day).
PAYOUT_OUTCOMES = {
    "succeeded": ("giftcards.withdrawal_paid", "remittances.paid", "escrow.payout_sent"),
    "failed": ("giftcards.withdrawal_failed", "remittances.failed", "escrow.payout_failed"),
}
MAX_DAYS = 366


def _day_key(raw: Any) -> str:
    return raw.isoformat() if isinstance(raw, date) else str(raw)[:10]


def _product(code: str) -> str | None:
    name = code.split(".", 1)[0]
    return name if name in PRODUCTS else None


async def charts(
    platform: Platform, session: AsyncSession, *, first: date, days: int, livemode: bool
) -> dict[str, Any]:
    """Per product and UTC day from `first` (every day listed, zeros included): ledger volume
    and fees per currency (minor units), payouts settled by outcome, and the job queue's depth at
    the end of the day (jobs created by then and not finished)."""
    dates = [(first + timedelta(days=n)).isoformat() for n in range(days)]
    start, end = _midnight(first), _midnight(first + timedelta(days=days))
    index = {d: n for n, d in enumerate(dates)}
    out: dict[str, dict[str, Any]] = {
        name: {"volume": {}, "fees": {}, "payouts": {k: [0] * days for k in PAYOUT_OUTCOMES}, "queue": [0] * days}
        for name in PRODUCTS
    }
    in_range = (
        LedgerTransfer.created_at >= start,
        LedgerTransfer.created_at < end,
        LedgerTransfer.livemode == livemode,
    )
    day = func.date(LedgerTransfer.created_at)

    volume = await session.execute(
        select(day, LedgerTransfer.code, LedgerTransfer.currency, func.sum(LedgerTransfer.amount))
        .where(*in_range)
        .group_by(day, LedgerTransfer.code, LedgerTransfer.currency)
    )
    for raw_day, code, currency, total in volume:
        product = _product(code)
        if product is not None:
            series = out[product]["volume"].setdefault(currency, [0] * days)
            series[index[_day_key(raw_day)]] += int(total or 0)

    fees = await session.execute(
        select(day, LedgerTransfer.code, LedgerTransfer.currency, func.sum(LedgerTransfer.amount))
        .join(LedgerAccount, LedgerAccount.id == LedgerTransfer.credit_account_id)
        .where(*in_range, LedgerAccount.key.like("platform/%fees/%"))
        .group_by(day, LedgerTransfer.code, LedgerTransfer.currency)
    )
    for raw_day, code, currency, total in fees:
        product = _product(code)
        if product is not None:
            series = out[product]["fees"].setdefault(currency, [0] * days)
            series[index[_day_key(raw_day)]] += int(total or 0)

    for outcome, codes in PAYOUT_OUTCOMES.items():
        settled = await session.execute(
            select(day, LedgerTransfer.code, func.count(func.distinct(LedgerTransfer.reference)))
            .where(*in_range, LedgerTransfer.code.in_(codes))
            .group_by(day, LedgerTransfer.code)
        )
        for raw_day, code, count in settled:
            product = _product(code)
            if product is not None:
                out[product]["payouts"][outcome][index[_day_key(raw_day)]] += int(count)

    for n in range(days):
        moment = _midnight(first + timedelta(days=n + 1))
        if moment > utcnow() + timedelta(days=1):
            break  # days to come: nothing is queued there yet
        waiting = await session.execute(
            select(Job.kind, func.count())
            .where(Job.created_at < moment, or_(Job.finished_at.is_(None), Job.finished_at >= moment))
            .group_by(Job.kind)
        )
        for kind, count in waiting:
            product = _product(kind)
            if product is not None:
                out[product]["queue"][n] += int(count)
    for charted in out.values():
        charted["volume"] = dict(sorted(charted["volume"].items()))
        charted["fees"] = dict(sorted(charted["fees"].items()))
    return {"days": dates, "livemode": livemode, "products": out}


async def mode_with_activity(platform: Platform, session: AsyncSession) -> bool:
    """The mode the dashboard opens in: live when any live money moved, else test when test
    money did (a demo is all test mode), else live."""
    for livemode in (True, False):
        if await session.scalar(select(LedgerTransfer.id).where(LedgerTransfer.livemode == livemode).limit(1)):
            return livemode
    return True
