"""The audit log: who did what to which object, when, with the object before and after."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.console.models import AuditEntry
from peerx.core.db import paginate, utcnow
from peerx.core.period import ALWAYS, Period
from peerx.ops.operators.models import Operator


def _plain(value: Any) -> Any:
    """JSON-safe and exact: Decimals as their digits in a string (never a float), times in ISO."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


async def record(
    session: AsyncSession,
    operator: Operator,
    action: str,
    subject: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    """Written in the same unit of work as the action, so an action that rolls back leaves no entry."""
    entry = AuditEntry(
        operator_id=operator.id,
        operator_email=operator.email,
        action=action,
        subject=subject,
        before=_plain(before),
        after=_plain(after),
        at=utcnow(),
    )
    session.add(entry)
    await session.flush()
    return entry


def _filtered(search: str | None, when: Period = ALWAYS) -> Select[AuditEntry]:
    query = when.apply(select(AuditEntry), AuditEntry.at)
    if search:
        pattern = f"%{search.strip()}%"
        query = query.where(
            or_(
                AuditEntry.action.ilike(pattern),
                AuditEntry.subject.ilike(pattern),
                AuditEntry.operator_email.ilike(pattern),
            )
        )
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


async def entries(
    session: AsyncSession, *, search: str | None, page: int, per_page: int, when: Period = ALWAYS
) -> tuple[list[dict[str, Any]], int]:
    rows, total = await paginate(session, _filtered(search, when), page=page, per_page=per_page)
    return [
        {
            "id": row.id,
            "operator": row.operator_email,
            "action": row.action,
            "subject": row.subject,
            "before": row.before,
            "after": row.after,
            "at": row.at,
        }
        for row in rows
    ], total
