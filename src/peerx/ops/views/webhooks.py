"""Operator read views of webhooks: endpoints (secrets never shown) with their deliveries counted
by status, deliveries filtered by status, endpoint or event, and the progress of a replay."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from peerx.core.db import utcnow
from peerx.core.events import DEAD, PENDING, SUCCEEDED, Event, WebhookDelivery, WebhookEndpoint
from peerx.core.parties import Party
from peerx.ops import actions
from peerx.ops.views.common import PageRequest, choice, page_dict, rows_page
from peerx.ops.views.listing import DateRange
from peerx.platform import Platform

STATUSES = (PENDING, SUCCEEDED, DEAD)


async def endpoints(
    platform: Platform,
    session: AsyncSession,
    *,
    surface: str | None = None,
    livemode: bool | None = None,
    party_id: int | None = None,
    endpoint_id: int | None = None,
    when: DateRange = DateRange(),
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Endpoints (of one account, or all) created within `when`, with deliveries by status."""
    query = select(WebhookEndpoint, Party.name).join(Party, Party.id == WebhookEndpoint.party_id)
    if party_id is not None:
        query = query.where(WebhookEndpoint.party_id == party_id)
    if endpoint_id is not None:
        query = query.where(WebhookEndpoint.id == endpoint_id)
    query = when.apply(query, WebhookEndpoint.created_at)
    if surface:
        query = query.where(WebhookEndpoint.surface == surface.strip())
    if livemode is not None:
        query = query.where(WebhookEndpoint.livemode == livemode)
    rows, total = await rows_page(session, query.order_by(WebhookEndpoint.id), page)
    ids = [endpoint.id for endpoint, _ in rows]
    counted = await session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
        .where(WebhookDelivery.endpoint_id.in_(ids))
        .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
    )
    counts: dict[int, dict[str, int]] = {i: dict.fromkeys(STATUSES, 0) for i in ids}
    for endpoint_id, status, count in counted:
        counts[endpoint_id][status] = int(count)
    items = [
        {
            "id": endpoint.id,
            "party_id": endpoint.party_id,
            "party_name": name,
            "surface": endpoint.surface,
            "url": endpoint.url,
            "event_types": endpoint.event_types,
            "livemode": endpoint.livemode,
            "disabled": endpoint.disabled_at is not None,
            "disabled_at": endpoint.disabled_at,
            "previous_secret_expires_at": (
                endpoint.previous_secret_expires_at
                if endpoint.previous_secret_expires_at is not None and endpoint.previous_secret_expires_at > utcnow()
                else None
            ),
            "created_at": endpoint.created_at,
            "deliveries": counts[endpoint.id],
        }
        for endpoint, name in rows
    ]
    return page_dict(items, total, page)


def _delivery_query(
    status: str | None, endpoint_id: int | None, event_id: str | None, when: DateRange = DateRange()
) -> Any:
    picked = choice("status", status, STATUSES)
    query = (
        select(WebhookDelivery, Event.type, Event.surface, WebhookEndpoint.url)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
    )
    if picked is not None:
        query = query.where(WebhookDelivery.status == picked)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    if event_id:
        query = query.where(WebhookDelivery.event_id == event_id.strip())
    return when.apply(query, WebhookDelivery.created_at)


async def deliveries(
    platform: Platform,
    session: AsyncSession,
    *,
    status: str | None = None,
    endpoint_id: int | None = None,
    event_id: str | None = None,
    when: DateRange = DateRange(),
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Deliveries newest first with their event type and target, plus counts per status."""
    query = _delivery_query(status, endpoint_id, event_id, when)
    rows, total = await rows_page(session, query.order_by(WebhookDelivery.id.desc()), page)
    items = [
        {
            "id": d.id,
            "event_id": d.event_id,
            "event_type": event_type,
            "surface": surface,
            "endpoint_id": d.endpoint_id,
            "url": url,
            "status": d.status,
            "attempts": d.attempts,
            "last_status_code": d.last_status_code,
            "last_error": d.last_error,
            "next_attempt_at": d.next_attempt_at,
            "delivered_at": d.delivered_at,
            "created_at": d.created_at,
        }
        for d, event_type, surface, url in rows
    ]
    found = dict(
        (await session.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status))).all()
    )
    return {
        **page_dict(items, total, page),
        "counts": {name: int(found.get(name, 0)) for name in STATUSES},
    }


async def replay_dead(
    platform: Platform, session: AsyncSession, *, endpoint_id: int | None = None, limit: int = 500
) -> dict[str, Any]:
    """Replay every dead delivery (of one endpoint, or all), oldest first, through the ops action:
    new deliveries, same event ids. At most `limit` per call, so one request stays short."""
    later = aliased(WebhookDelivery)
    replayed_since = (
        select(later.id)
        .where(later.event_id == WebhookDelivery.event_id, later.endpoint_id == WebhookDelivery.endpoint_id)
        .where(later.id > WebhookDelivery.id)
        .exists()
    )
    # A dead delivery already replayed (a later one to the same endpoint exists) is not sent again.
    query = select(WebhookDelivery.id).where(WebhookDelivery.status == DEAD, ~replayed_since)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    dead = list(await session.scalars(query.order_by(WebhookDelivery.id).limit(limit)))
    created: list[int] = []
    for delivery_id in dead:
        result = await actions.replay_webhooks(platform, session, event_id=None, delivery_id=delivery_id)
        created.extend(result["deliveries"])
    return {"replayed": dead, "deliveries": created}


async def progress(platform: Platform, session: AsyncSession, *, delivery_ids: list[int]) -> dict[str, Any]:
    """How far a replay got: its new deliveries counted by status."""
    counts = dict.fromkeys(STATUSES, 0)
    if delivery_ids:
        rows = await session.execute(
            select(WebhookDelivery.status, func.count())
            .where(WebhookDelivery.id.in_(delivery_ids))
            .group_by(WebhookDelivery.status)
        )
        for status, count in rows:
            counts[status] = int(count)
    done = counts[SUCCEEDED] + counts[DEAD]
    return {"total": len(delivery_ids), "done": done, "counts": counts, "finished": done == len(delivery_ids)}
