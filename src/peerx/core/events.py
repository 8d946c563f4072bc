"""Transactional outbox: an event is written in the same transaction as the state change it
describes, together with one delivery per subscribed webhook endpoint and the jobs that send them.
If the change rolls back, so do its events. The event id is stable across retries and replays,
so receivers deduplicate on it (it is also the Standard Webhooks `webhook-id`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    ForeignKey,
    FromClause,
    Index,
    Insert,
    String,
    Text,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base, utcnow
from peerx.core.encoding import dumps
from peerx.core.jobs import QUEUED, CoreJob, Job, enqueue, wake_on_commit
from peerx.core.logs import current_request_id


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_party_created", "party_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    surface: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(80))
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    livemode: Mapped[bool]
    body: Mapped[str] = mapped_column(Text)  # exactly the bytes every delivery sends
    created_at: Mapped[datetime]


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    surface: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(2000))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    event_types: Mapped[list[str]] = mapped_column(JSON)  # ["*"] = all
    livemode: Mapped[bool]
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    # After a secret rotation: the previous secret, still signing (beside the new one, where the
    # surface's signature header can carry two) until it expires.
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None]


PENDING, SUCCEEDED, DEAD = "pending", "succeeded", "dead"
# A delivery's job only carries it; the delivery's own attempts (webhooks.MAX_ATTEMPTS) end it.
DELIVERY_JOB_ATTEMPTS = 1000


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


async def emit(
    session: AsyncSession,
    *,
    surface: str,
    type: str,
    livemode: bool,
    body: dict[str, Any],
    party_id: int | None = None,
    event_id: str | None = None,
) -> Event:
    """Record an event and queue its deliveries. `party_id=None` broadcasts to every endpoint of
    the surface subscribed to `type` (e.g. rate.updated to all rate subscriptions).

    The event, one delivery per subscribed endpoint and one job per delivery are written by the
    database from the endpoints it matches: on PostgreSQL in one statement (one round trip,
    however many endpoints), on SQLite in three (no network there). The returned Event is not
    attached to the session (its row is already written)."""
    now = utcnow()
    event = Event(
        id=event_id or new_event_id(),
        surface=surface,
        type=type,
        party_id=party_id,
        livemode=livemode,
        body=dumps(body),
        created_at=now,
    )
    postgresql = session.get_bind().dialect.name == "postgresql"
    values = {column: getattr(event, column) for column in ("id", "surface", "type", "party_id", "livemode", "body")}
    insert_event = insert(Event).values(**values, created_at=now)
    endpoints = select(
        literal(event.id).label("event_id"),
        WebhookEndpoint.id.label("endpoint_id"),
        literal(PENDING).label("status"),
        literal(0).label("attempts"),
        literal(now, WebhookDelivery.next_attempt_at.type).label("next_attempt_at"),
        literal(now, WebhookDelivery.created_at.type).label("created_at"),
    ).where(
        WebhookEndpoint.surface == surface,
        WebhookEndpoint.livemode == livemode,
        WebhookEndpoint.disabled_at.is_(None),
        _subscribed(type, party_id, postgresql=postgresql),
    )
    if party_id is not None:
        endpoints = endpoints.where(WebhookEndpoint.party_id == party_id)
    insert_deliveries = insert(WebhookDelivery).from_select(
        ["event_id", "endpoint_id", "status", "attempts", "next_attempt_at", "created_at"],
        endpoints.order_by(WebhookEndpoint.id),
    )
    if postgresql:
        # Data-modifying CTEs run once each, in one statement; the foreign keys are checked at its end.
        event_cte = insert_event.returning(Event.id).cte("new_event")
        deliveries = insert_deliveries.returning(WebhookDelivery.id).cte("new_deliveries")
        jobs = _delivery_jobs(deliveries, now, postgresql=True)
        queued = await session.execute(jobs.add_cte(event_cte, deliveries).returning(Job.id))
        any_queued = queued.first() is not None
    else:
        await session.execute(insert_event)
        added = await session.execute(insert_deliveries.returning(WebhookDelivery.id))
        any_queued = added.first() is not None
        if any_queued:
            mine = select(WebhookDelivery.id).where(WebhookDelivery.event_id == event.id).subquery()
            await session.execute(_delivery_jobs(mine, now, postgresql=False))
    if any_queued:
        wake_on_commit(session)
    return event


def _subscribed(type: str, party_id: int | None, *, postgresql: bool) -> ColumnElement[bool]:
    """An endpoint's event_types (a JSON list) names `type`, or, for an event about a party, "*"
    (every event about the endpoint's own party); a broadcast (party_id None) reaches only
    endpoints that subscribed to its type by name."""
    names = [type] if party_id is None else [type, "*"]

    def has(name: str) -> ColumnElement[bool]:
        if postgresql:
            return cast(WebhookEndpoint.event_types, JSONB).op("@>", return_type=Boolean)(
                func.jsonb_build_array(literal(name))
            )
        element = func.json_each(WebhookEndpoint.event_types).table_valued("value")
        return exists(select(1).select_from(element).where(element.c.value == name))

    return or_(*(has(name) for name in names))


def _delivery_jobs(deliveries: FromClause, now: datetime, *, postgresql: bool) -> Insert:
    """INSERT the deliver job of each delivery id in `deliveries` (what `enqueue` writes)."""
    as_json = func.json_build_object if postgresql else func.json_object
    return insert(Job).from_select(
        ["kind", "payload", "status", "run_at", "attempts", "max_attempts", "created_at", "request_id"],
        select(
            literal(str(CoreJob.DELIVER_WEBHOOK)),
            as_json("delivery_id", deliveries.c.id),
            literal(QUEUED),
            literal(now, Job.run_at.type),
            literal(0),
            literal(DELIVERY_JOB_ATTEMPTS),
            literal(now, Job.created_at.type),
            literal(current_request_id(), Job.request_id.type),  # the request's id, as enqueue keeps it
        ).select_from(deliveries),
    )


async def queue_delivery(session: AsyncSession, event: Event, endpoint: WebhookEndpoint) -> WebhookDelivery:
    delivery = WebhookDelivery(
        event_id=event.id,
        endpoint_id=endpoint.id,
        status=PENDING,
        attempts=0,
        created_at=utcnow(),
        next_attempt_at=utcnow(),
    )
    session.add(delivery)
    await session.flush()
    await enqueue(session, CoreJob.DELIVER_WEBHOOK, {"delivery_id": delivery.id}, max_attempts=DELIVERY_JOB_ATTEMPTS)
    return delivery
