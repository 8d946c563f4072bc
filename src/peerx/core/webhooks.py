"""Webhook endpoints and delivery.

Every delivery carries the Standard Webhooks headers (webhook-id, webhook-timestamp,
webhook-signature) and, on top, the signature header of the surface's own document (registered
by the product, e.g. X-PeerTupeer-Signature). Failed deliveries retry on a schedule that spans
about three days, then the delivery is dead (dead letter) until an operator replays it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import Table, bindparam, case, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from peerx.core import metrics
from peerx.core.db import utcnow
from peerx.core.errors import InvalidField, NotFound
from peerx.core.events import DEAD, PENDING, SUCCEEDED, Event, WebhookDelivery, WebhookEndpoint, queue_delivery
from peerx.core.http import TargetNotAllowed, validate_url_shape
from peerx.core.jobs import Claimed, JobContext, Outcome, Record
from peerx.core.logs import REQUEST_ID
from peerx.core.retry import RetryPolicy
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
# The schedule is each wait's upper bound: core.retry takes up to 20% off at random.
RETRY = RetryPolicy.from_schedule(RETRY_SCHEDULE, jitter=0.2)
MAX_ATTEMPTS = RETRY.max_attempts
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


async def disable_endpoint(session: AsyncSession, endpoint: WebhookEndpoint, *, stop_pending: bool = False) -> int:
    """No new deliveries (events skip it). With `stop_pending` (an operator's disable) none of
    its pending ones are sent either: they are dead with the reason, so replaying the dead ones
    after `enable_endpoint` sends them. The count of deliveries stopped."""
    endpoint.disabled_at = utcnow()
    stopped = 0
    if stop_pending:
        result = await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == PENDING)
            .values(status=DEAD, last_error="endpoint disabled", next_attempt_at=None)
        )
        stopped = int(getattr(result, "rowcount", 0) or 0)
    await session.flush()
    return stopped


async def enable_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    endpoint.disabled_at = None
    await session.flush()


async def rotate_secret(
    session: AsyncSession, cipher: FieldCipher, endpoint: WebhookEndpoint, *, grace: timedelta
) -> str:
    """A new signing secret (returned in the clear, this once). Until `grace` ends the previous
    one signs too: the Standard Webhooks header carries both signatures (the spec allows several,
    space separated); a surface's own one-value header (X-PeerTupeer-Signature, Peex's) is
    signed with the new secret at once. Zero grace drops the previous secret now."""
    secret = new_secret()
    now = utcnow()
    if grace > timedelta(0):
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted
        endpoint.previous_secret_expires_at = now + grace
    else:
        endpoint.previous_secret_encrypted = endpoint.previous_secret_expires_at = None
    endpoint.secret_encrypted = cipher.encrypt(secret, context=SECRET_CONTEXT)
    await session.flush()
    return secret


def build_headers(
    surface: str, secret: str, event_id: str, body: bytes, previous_secret: str | None = None
) -> dict[str, str]:
    timestamp = datetime.now(UTC)  # transport time, not the (movable) business clock
    signatures = [Webhook(key).sign(event_id, timestamp, body.decode()) for key in (secret, previous_secret) if key]
    headers = {
        "content-type": "application/json",
        "user-agent": "peerx-webhooks/1",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
    signer = _SIGNERS.get(surface)
    if signer is not None:
        headers.update(signer(secret, body))
    return headers


# Endpoints of one claimed batch posted to at once: they wait on the network, not on the CPU. Each
# endpoint gets its deliveries one at a time, in the order of their events (as a receiver that
# reads them in order expects; a retry can still overtake, so receivers must not rely on it).
CONCURRENCY = 64


@dataclass(frozen=True)
class _Target:
    delivery_id: int
    attempts: int  # before this one
    endpoint_id: int
    url: str
    surface: str
    secret_encrypted: str
    previous_secret_encrypted: str | None  # a rotated secret still in its grace (else None)
    event_id: str
    event_created_at: datetime
    body: bytes


async def deliver(ctx: JobContext[CoreServices], jobs: list[Claimed]) -> tuple[dict[int, Outcome], Record]:
    """Send a claimed batch of deliveries: one query reads every delivery with its endpoint and
    event; the endpoints are posted to concurrently (at most CONCURRENCY at once, each endpoint its
    deliveries in order, on the outbound client's warm connection pool); `record` writes the
    outcomes in the transaction that finishes the jobs. A delivery no longer pending (delivered or
    dead: at-least-once workers may see a job twice) is not sent again."""
    delivery_ids = {job.id: int(job.payload["delivery_id"]) for job in jobs}
    request_ids = {int(job.payload["delivery_id"]): job.request_id for job in jobs}
    async with ctx.db.transaction() as session:
        rows = await session.execute(
            select(
                WebhookDelivery.id,
                WebhookDelivery.attempts,
                WebhookEndpoint.id,
                WebhookEndpoint.url,
                WebhookEndpoint.surface,
                WebhookEndpoint.secret_encrypted,
                case(
                    (WebhookEndpoint.previous_secret_expires_at > utcnow(), WebhookEndpoint.previous_secret_encrypted),
                    else_=None,
                ),
                Event.id,
                Event.created_at,
                Event.body,
            )
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.id.in_(set(delivery_ids.values())), WebhookDelivery.status == PENDING)
        )
        targets = {
            row[0]: _Target(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9].encode())
            for row in rows
        }
    cipher, outbound = ctx.services.cipher, ctx.services.outbound
    secrets: dict[str, str] = {}  # decrypted once per endpoint per batch
    limit = asyncio.Semaphore(CONCURRENCY)

    def secret(encrypted: str) -> str:
        if encrypted not in secrets:
            secrets[encrypted] = cipher.decrypt(encrypted, context=SECRET_CONTEXT)
        return secrets[encrypted]

    async def post(target: _Target) -> tuple[int | None, str | None]:
        # Each lane is a task of its own: the id of the request that caused this delivery goes
        # with its outbound call and its log lines.
        REQUEST_ID.set(request_ids.get(target.delivery_id))
        previous = secret(target.previous_secret_encrypted) if target.previous_secret_encrypted else None
        headers = build_headers(target.surface, secret(target.secret_encrypted), target.event_id, target.body, previous)
        try:
            response = await outbound.post(target.url, content=target.body, headers=headers)
        except (httpx.HTTPError, TargetNotAllowed) as exc:
            metrics.count_webhook(target.surface, None, "error", refused=isinstance(exc, TargetNotAllowed))
            failure = type(exc).__name__
            log.warning("webhook delivery %s to endpoint %s: %s", target.delivery_id, target.endpoint_id, failure)
            return None, f"{type(exc).__name__}: {exc}"[:500]
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        metrics.count_webhook(target.surface, response.status_code, error)
        if error is None:
            metrics.observe_webhook_lag(target.surface, target.event_created_at, utcnow())
        else:
            log.warning("webhook delivery %s to endpoint %s answered %s", target.delivery_id, target.endpoint_id, error)
        return response.status_code, error

    lanes: dict[int, list[_Target]] = {}
    for target in sorted(targets.values(), key=lambda t: t.delivery_id):  # delivery ids follow event order
        lanes.setdefault(target.endpoint_id, []).append(target)
    results: dict[int, tuple[int | None, str | None]] = {}

    async def lane(queued: list[_Target]) -> None:
        async with limit:
            for target in queued:
                results[target.delivery_id] = await post(target)

    await asyncio.gather(*(lane(queued) for queued in lanes.values()))
    sent = list(targets.values())
    now = utcnow()
    updates: list[dict[str, Any]] = []
    retry_at: dict[int, tuple[datetime, str]] = {}  # delivery id -> when to try again, why
    for target in sent:
        status_code, error = results[target.delivery_id]
        attempts = target.attempts + 1
        status, delivered_at, next_attempt_at = PENDING, None, None
        if error is None:
            status, delivered_at = SUCCEEDED, now
        elif RETRY.exhausted(attempts):
            status = DEAD
            metrics.count_dead_webhook(target.surface)
            log.warning("webhook delivery %s is dead after %s attempts", target.delivery_id, attempts)
        else:
            next_attempt_at = now + RETRY.delay(attempts)
            retry_at[target.delivery_id] = (next_attempt_at, error)
        updates.append(
            {
                "delivery_id": target.delivery_id,
                "new_status": status,
                "new_attempts": attempts,
                "status_code": status_code,
                "error": error,
                "new_delivered_at": delivered_at,
                "new_next_attempt_at": next_attempt_at,
            }
        )

    async def record(session: AsyncSession) -> None:
        if not updates:
            return
        table = cast(Table, WebhookDelivery.__table__)
        # Only a pending delivery: one that another worker's run already settled stays settled.
        statement = (
            update(table)
            .where(table.c.id == bindparam("delivery_id"), table.c.status == PENDING)
            .values(
                status=bindparam("new_status"),
                attempts=bindparam("new_attempts"),
                last_status_code=bindparam("status_code"),
                last_error=bindparam("error"),
                delivered_at=bindparam("new_delivered_at", type_=table.c.delivered_at.type),
                next_attempt_at=bindparam("new_next_attempt_at", type_=table.c.next_attempt_at.type),
            )
        )
        await (await session.connection()).execute(statement, updates)  # one executemany

    outcomes = {}
    for job_id, delivery_id in delivery_ids.items():
        if delivery_id in retry_at:
            at, error = retry_at[delivery_id]
            outcomes[job_id] = Outcome(error=error, retry_at=at)
    return outcomes, record


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
