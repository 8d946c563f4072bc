"""Webhook endpoints and delivery.

Every delivery carries the Standard Webhooks headers (webhook-id, webhook-timestamp,
webhook-signature) and, on top, the signature header of the surface's own document (registered
by the product, e.g. X-PeerTupeer-Signature). Failed deliveries retry on a schedule that spans
about three days, then the delivery is dead (dead letter) until an operator replays it.
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from peerx.core.db import utcnow
from peerx.core.errors import InvalidField, NotFound
from peerx.core.events import DEAD, PENDING, SUCCEEDED, Event, WebhookDelivery, WebhookEndpoint, queue_delivery
from peerx.core.http import TargetNotAllowed, validate_url_shape
from peerx.core.jobs import JobContext, RetryLater
from peerx.core.secrets import FieldCipher
from peerx.core.services import CoreServices

log = logging.getLogger(__name__)

# Wait before attempt n+1 (Stripe/Svix-like): 5s, 5m, 30m, 2h, 5h, 10h, 14h, 20h, 20h: ~71.6 h in all.
RETRY_SCHEDULE = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=20),
]
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
SECRET_CONTEXT = "webhook-endpoint-secret"  # noqa: S105 - an AEAD context label, not a secret

# surface -> fn(secret, body) -> extra headers of that surface's own signature scheme
Signer = Callable[[str, bytes], dict[str, str]]
_SIGNERS: dict[str, Signer] = {}


def register_signer(surface: str, signer: Signer) -> None:
    _SIGNERS[surface] = signer


def new_secret() -> str:
    """A Standard Webhooks secret; surfaces whose document signs with the raw secret string use
    the whole string as the HMAC key (as the PeerTupeer PHP snippet does)."""
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str


async def add_endpoint(
    session: AsyncSession,
    cipher: FieldCipher,
    *,
    party_id: int,
    surface: str,
    url: str,
    livemode: bool,
    event_types: list[str] | None = None,
    field: str = "url",
) -> CreatedEndpoint:
    problem = validate_url_shape(url)
    if problem:
        raise InvalidField(field, problem)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        party_id=party_id,
        surface=surface,
        url=url,
        livemode=livemode,
        event_types=event_types or ["*"],
        secret_encrypted=cipher.encrypt(secret, context=SECRET_CONTEXT),
        created_at=utcnow(),
    )
    session.add(endpoint)
    await session.flush()
    return CreatedEndpoint(endpoint, secret)


async def disable_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    endpoint.disabled_at = utcnow()
    await session.flush()


def build_headers(surface: str, secret: str, event_id: str, body: bytes) -> dict[str, str]:
    timestamp = datetime.now(UTC)  # transport time, not the (movable) business clock
    headers = {
        "content-type": "application/json",
        "user-agent": "peerx-webhooks/1",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, timestamp, body.decode()),
    }
    signer = _SIGNERS.get(surface)
    if signer is not None:
        headers.update(signer(secret, body))
    return headers


async def deliver(ctx: JobContext[CoreServices], payload: dict[str, Any]) -> None:
    cipher, outbound = ctx.services.cipher, ctx.services.outbound
    async with ctx.db.transaction() as session:
        delivery = await session.get(WebhookDelivery, payload["delivery_id"])
        if delivery is None or delivery.status != PENDING:
            return  # already delivered or dead: at-least-once workers may see a job twice
        endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
        event = await session.get(Event, delivery.event_id)
        assert endpoint is not None and event is not None
        url, surface, event_id, body = endpoint.url, endpoint.surface, event.id, event.body.encode()
        secret = cipher.decrypt(endpoint.secret_encrypted, context=SECRET_CONTEXT)
    status_code: int | None = None
    error: str | None = None
    try:
        response = await outbound.post(url, content=body, headers=build_headers(surface, secret, event_id, body))
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except (httpx.HTTPError, TargetNotAllowed) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    retry_at = None
    async with ctx.db.transaction() as session:
        delivery = await session.get(WebhookDelivery, payload["delivery_id"], with_for_update=True)
        assert delivery is not None
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error
        if error is None:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = SUCCEEDED, utcnow(), None
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DEAD, None
            log.warning("webhook delivery %s is dead after %s attempts", delivery.id, delivery.attempts)
        else:
            retry_at = utcnow() + RETRY_SCHEDULE[delivery.attempts - 1]
            delivery.next_attempt_at = retry_at
    if retry_at is not None:
        raise RetryLater(retry_at, error or "")


async def replay(session: AsyncSession, *, event_id: str | None = None, delivery_id: int | None = None) -> list[int]:
    """Send an event again (to all its endpoints, or one delivery's endpoint): new deliveries with
    the same event id, so a receiver that already has it deduplicates."""
    if delivery_id is not None:
        original = await session.get(WebhookDelivery, delivery_id)
        if original is None:
            raise NotFound(f"delivery {delivery_id} not found")
        pairs = [(original.event_id, original.endpoint_id)]
    elif event_id is not None:
        rows = await session.execute(
            select(WebhookDelivery.event_id, WebhookDelivery.endpoint_id).where(WebhookDelivery.event_id == event_id)
        )
        pairs = sorted(set(rows))
        if not pairs:
            raise NotFound(f"no deliveries for event {event_id}")
    else:
        raise InvalidField("event_id", "give an event id or a delivery id")
    created = []
    for ev_id, endpoint_id in pairs:
        event = await session.get(Event, ev_id)
        endpoint = await session.get(WebhookEndpoint, endpoint_id)
        assert event is not None and endpoint is not None
        created.append((await queue_delivery(session, event, endpoint)).id)
    return created
