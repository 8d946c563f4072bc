"""Transactional outbox: an event is written in the same transaction as the state change it
describes, together with one delivery per subscribed webhook endpoint and the jobs that send them.
If the change rolls back, so do its events. The event id is stable across retries and replays,
so receivers deduplicate on it (it is also the Standard Webhooks `webhook-id`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base, utcnow
from peerx.core.encoding import dumps
from peerx.core.jobs import CoreJob, enqueue


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


PENDING, SUCCEEDED, DEAD = "pending", "succeeded", "dead"


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
    the surface subscribed to `type` (e.g. rate.updated to all rate subscriptions)."""
    event = Event(
        id=event_id or new_event_id(),
        surface=surface,
        type=type,
        party_id=party_id,
        livemode=livemode,
        body=dumps(body),
        created_at=utcnow(),
    )
    session.add(event)
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.surface == surface,
        WebhookEndpoint.livemode == livemode,
        WebhookEndpoint.disabled_at.is_(None),
    )
    if party_id is not None:
        query = query.where(WebhookEndpoint.party_id == party_id)
    for endpoint in await session.scalars(query.order_by(WebhookEndpoint.id)):
        # "*" means every event about the endpoint's own party; a broadcast (party_id None)
        # reaches only endpoints that subscribed to its type by name.
        if type in endpoint.event_types or ("*" in endpoint.event_types and party_id is not None):
            await queue_delivery(session, event, endpoint)
    await session.flush()
    return event


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
    await enqueue(session, CoreJob.DELIVER_WEBHOOK, {"delivery_id": delivery.id}, max_attempts=1000)
    return delivery
