"""Webhooks: endpoints (never their secrets) with deliveries counted by status, deliveries by
status, endpoint or event, and replay (one delivery, or every dead one) through the ops action;
a replay's progress is polled by htmx until each new delivery has an outcome."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from peerx.console import audit, export
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem, redirect, render
from peerx.console.screens.money_common import Acting, Listing, Reading, can_act, form_text
from peerx.core.errors import InvalidField
from peerx.ops import actions
from peerx.ops import endpoints as endpoint_ops
from peerx.ops.views import webhooks as views
from peerx.ops.views.common import PageRequest, livemode_of, optional_id

router = APIRouter(prefix="/webhooks")
nav = NavItem("Webhooks", "/webhooks", FINANCE_READERS)


def _ids(raw: str) -> list[int]:
    parts = [p for p in raw.split(",") if p]
    if not all(p.isdigit() for p in parts) or len(parts) > 1000:
        raise InvalidField("ids", "must be delivery ids separated by commas")
    return [int(p) for p in parts]


@router.get("")
async def endpoints(screen: Listing, surface: str = "", mode: str = "", account: str = "") -> Response:
    when, dates = export.dates(screen.request)
    account_id, livemode = optional_id("account", account), livemode_of(mode)

    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(
            endpoint_ops.list_endpoints,
            account_id=account_id,
            surface=surface,
            livemode=livemode,
            when=when,
            page=page,
        )

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="webhooks", when=when)
    filters = {"surface": surface, "mode": mode, "account": account, **dates}
    return screen.render_list(
        "webhooks/endpoints.html",
        "Webhooks",
        await fetch(screen.page),
        filters,
        can_act=can_act(screen.operator),
        rotated=None,
    )


@router.post("/{endpoint_id}/disable")
async def disable(endpoint_id: int, screen: Acting) -> Response:
    before = await screen.call(endpoint_ops.show_endpoint, endpoint_id=endpoint_id)
    after = await screen.call(endpoint_ops.disable_endpoint, endpoint_id=endpoint_id)
    message = f"Endpoint {endpoint_id} is disabled; {after['stopped_deliveries']} pending deliveries stopped."
    return await screen.done(
        "webhook.endpoint_disabled", f"endpoint:{endpoint_id}", before, after, message=message, then="/webhooks"
    )


@router.post("/{endpoint_id}/enable")
async def enable(endpoint_id: int, screen: Acting) -> Response:
    before = await screen.call(endpoint_ops.show_endpoint, endpoint_id=endpoint_id)
    after = await screen.call(endpoint_ops.enable_endpoint, endpoint_id=endpoint_id)
    message = f"Endpoint {endpoint_id} receives events again."
    return await screen.done(
        "webhook.endpoint_enabled", f"endpoint:{endpoint_id}", before, after, message=message, then="/webhooks"
    )


@router.post("/{endpoint_id}/rotate-secret")
async def rotate(endpoint_id: int, screen: Acting) -> Response:
    raw = await form_text(screen.request, "grace_hours")
    if not raw.isdigit():
        raise InvalidField("grace_hours", "must be a whole number of hours")
    rotated = await screen.call(endpoint_ops.rotate_secret, endpoint_id=endpoint_id, grace_hours=int(raw))
    after = {key: value for key, value in rotated.items() if key != "secret"}  # never a secret in the audit log
    await audit.record(
        screen.session, screen.operator, "webhook.secret_rotated", f"endpoint:{endpoint_id}", None, after
    )
    # Rendered, not redirected: the secret lives only in this answer (Cache-Control: no-store).
    listed = await screen.call(endpoint_ops.list_endpoints)
    filters = {"surface": "", "mode": "", "account": "", "from": "", "to": ""}
    return screen.render(
        "webhooks/endpoints.html", "Webhooks", listed=listed, filters=filters, can_act=True, rotated=rotated
    )


@router.get("/deliveries")
async def deliveries(screen: Listing, status: str = "", endpoint: str = "", event: str = "") -> Response:
    endpoint_id = optional_id("endpoint", endpoint)
    when, dates = export.dates(screen.request)

    async def fetch(page: PageRequest) -> dict[str, Any]:
        return await screen.call(
            views.deliveries, status=status, endpoint_id=endpoint_id, event_id=event, when=when, page=page
        )

    if export.asked(screen.request):
        return await export.csv_response(fetch, name="deliveries", when=when)
    listed = await fetch(screen.page)
    filters = {"status": status, "endpoint": endpoint, "event": event, **dates}
    can_replay = can_act(screen.operator)
    return screen.render_list(
        "webhooks/deliveries.html", "Webhook deliveries", listed, filters, statuses=views.STATUSES, can_act=can_replay
    )


@router.post("/deliveries/{delivery_id}/replay")
async def replay_one(delivery_id: int, screen: Acting) -> Response:
    result = await screen.call(actions.replay_webhooks, event_id=None, delivery_id=delivery_id)
    message = f"Delivery {delivery_id} replayed as delivery {result['deliveries'][0]}."
    subject = f"delivery:{delivery_id}"
    return await screen.done("webhook.replay", subject, None, result, message=message, then="/webhooks/deliveries")


@router.post("/replay-dead")
async def replay_dead(screen: Acting) -> Response:
    endpoint_id = optional_id("endpoint", await form_text(screen.request, "endpoint"))
    result = await screen.call(views.replay_dead, endpoint_id=endpoint_id)
    subject = f"endpoint:{endpoint_id or 'all'}"
    if not result["deliveries"]:
        message, page = "No dead deliveries to replay.", "/webhooks/deliveries?status=dead"
        return await screen.done("webhook.replay_dead", subject, None, result, message=message, then=page)
    await audit.record(screen.session, screen.operator, "webhook.replay_dead", subject, None, result)
    return redirect(screen.request, "/webhooks/replay?ids=" + ",".join(map(str, result["deliveries"])))


@router.get("/replay")
async def replay_page(screen: Reading, ids: str = "") -> Response:
    done = await screen.call(views.progress, delivery_ids=_ids(ids))
    return screen.render("webhooks/replay.html", "Replay", progress=done, ids=ids)


@router.get("/replay/status")
async def replay_status(screen: Reading, ids: str = "") -> Response:
    """The htmx fragment (no page around it, so no title)."""
    done = await screen.call(views.progress, delivery_ids=_ids(ids))
    return render(screen.request, "webhooks/_replay_status.html", progress=done, ids=ids)
