"""Webhook endpoints an operator manages, one action each for the CLI, /ops/v1 and the console:
list them (per account), disable and enable one, rotate its signing secret. Secrets are never
shown, except a new one, once, by the rotation that made it."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import webhooks
from peerx.core.errors import Conflict, InvalidField, NotFound
from peerx.core.events import WebhookEndpoint
from peerx.ops.views import webhooks as views
from peerx.ops.views.common import PageRequest
from peerx.ops.views.listing import DateRange
from peerx.platform import Platform

log = logging.getLogger(__name__)

SURFACES = ("peertupeer", "peerwallet", "peex", "trustap", "peach")
MAX_SECRET_GRACE_HOURS = 24 * 7  # Stripe's longest overlap for a rolled signing secret


async def list_endpoints(
    platform: Platform,
    session: AsyncSession,
    *,
    account_id: int | None = None,
    surface: str | None = None,
    livemode: bool | None = None,
    when: DateRange = DateRange(),
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    if surface and surface.strip() not in SURFACES:
        raise InvalidField("surface", f"must be one of {', '.join(SURFACES)}")
    return await views.endpoints(
        platform, session, surface=surface, livemode=livemode, party_id=account_id, when=when, page=page
    )


async def _endpoint(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"webhook endpoint {endpoint_id} not found")
    return endpoint


async def show_endpoint(platform: Platform, session: AsyncSession, *, endpoint_id: int) -> dict[str, Any]:
    listed = await views.endpoints(platform, session, endpoint_id=endpoint_id)
    if not listed["items"]:
        raise NotFound(f"webhook endpoint {endpoint_id} not found")
    found: dict[str, Any] = listed["items"][0]
    return found


async def disable_endpoint(platform: Platform, session: AsyncSession, *, endpoint_id: int) -> dict[str, Any]:
    """No more deliveries: new events skip it, and its pending deliveries are stopped (dead, with
    "endpoint disabled"), so `webhooks replay` of them after enabling sends them."""
    endpoint = await _endpoint(session, endpoint_id)
    if endpoint.disabled_at is not None:
        raise Conflict(f"webhook endpoint {endpoint_id} is already disabled")
    stopped = await webhooks.disable_endpoint(session, endpoint, stop_pending=True)
    log.info("webhook endpoint %s disabled, %s pending deliveries stopped", endpoint_id, stopped)
    return {**await show_endpoint(platform, session, endpoint_id=endpoint_id), "stopped_deliveries": stopped}


async def enable_endpoint(platform: Platform, session: AsyncSession, *, endpoint_id: int) -> dict[str, Any]:
    endpoint = await _endpoint(session, endpoint_id)
    if endpoint.disabled_at is None:
        raise Conflict(f"webhook endpoint {endpoint_id} is not disabled")
    await webhooks.enable_endpoint(session, endpoint)
    log.info("webhook endpoint %s enabled", endpoint_id)
    return await show_endpoint(platform, session, endpoint_id=endpoint_id)


async def rotate_secret(
    platform: Platform, session: AsyncSession, *, endpoint_id: int, grace_hours: int
) -> dict[str, Any]:
    """A new signing secret (shown this once). For `grace_hours` the previous one signs too,
    beside it, in the Standard Webhooks `webhook-signature` header; the surface's own one-value
    header is signed with the new secret at once."""
    if not 0 <= grace_hours <= MAX_SECRET_GRACE_HOURS:
        raise InvalidField("grace_hours", f"must be a whole number of hours from 0 to {MAX_SECRET_GRACE_HOURS}")
    endpoint = await _endpoint(session, endpoint_id)
    secret = await webhooks.rotate_secret(session, platform.keys.cipher, endpoint, grace=timedelta(hours=grace_hours))
    log.info("webhook endpoint %s: signing secret rotated, previous one signs for %sh", endpoint_id, grace_hours)
    return {**await show_endpoint(platform, session, endpoint_id=endpoint_id), "secret": secret}
