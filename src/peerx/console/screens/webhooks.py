"""Webhooks: endpoints (never their secrets) with deliveries counted by status, deliveries by
status, endpoint or event, and replay (one delivery, or every dead one) through the ops action;
a replay's progress is polled by htmx until each new delivery has an outcome."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from peerx.console import audit
from peerx.console.auth import FINANCE_READERS
from peerx.console.render import NavItem, flash, redirect, render
from peerx.console.screens.money_common import ACT, READ, Listing, can_act, form_text
from peerx.core.errors import InvalidField
from peerx.ops import actions
from peerx.ops.operators.models import Operator
from peerx.ops.views import webhooks as views
from peerx.ops.views.common import livemode_of, optional_id
from peerx.web import PlatformDep, Session

router = APIRouter(prefix="/webhooks")
nav = NavItem("Webhooks", "/webhooks", FINANCE_READERS)


def _ids(raw: str) -> list[int]:
    parts = [p for p in raw.split(",") if p]
    if not all(p.isdigit() for p in parts) or len(parts) > 1000:
        raise InvalidField("ids", "must be delivery ids separated by commas")
    return [int(p) for p in parts]


@router.get("")
async def endpoints(screen: Listing, surface: str = "", mode: str = "") -> Response:
    listed = await screen.read(views.endpoints, surface=surface, livemode=livemode_of(mode), page=screen.page)
    return screen.render("webhooks/endpoints.html", "Webhooks", listed, {"surface": surface, "mode": mode})


@router.get("/deliveries")
async def deliveries(screen: Listing, status: str = "", endpoint: str = "", event: str = "") -> Response:
    endpoint_id = optional_id("endpoint", endpoint)
    listed = await screen.read(
        views.deliveries, status=status, endpoint_id=endpoint_id, event_id=event, page=screen.page
    )
    filters = {"status": status, "endpoint": endpoint, "event": event}
    can_replay = can_act(screen.operator)
    return screen.render(
        "webhooks/deliveries.html", "Webhook deliveries", listed, filters, statuses=views.STATUSES, can_act=can_replay
    )


@router.post("/deliveries/{delivery_id}/replay")
async def replay_one(
    delivery_id: int, request: Request, session: Session, platform: PlatformDep, operator: Operator = ACT
) -> Response:
    result = await actions.replay_webhooks(platform, session, event_id=None, delivery_id=delivery_id)
    await audit.record(session, operator, "webhook.replay", f"delivery:{delivery_id}", None, result)
    flash(request, f"Delivery {delivery_id} replayed as delivery {result['deliveries'][0]}.")
    return redirect(request, "/webhooks/deliveries")


@router.post("/replay-dead")
async def replay_dead(request: Request, session: Session, platform: PlatformDep, operator: Operator = ACT) -> Response:
    endpoint_id = optional_id("endpoint", await form_text(request, "endpoint"))
    result = await views.replay_dead(platform, session, endpoint_id=endpoint_id)
    await audit.record(session, operator, "webhook.replay_dead", f"endpoint:{endpoint_id or 'all'}", None, result)
    if not result["deliveries"]:
        flash(request, "No dead deliveries to replay.")
        return redirect(request, "/webhooks/deliveries?status=dead")
    return redirect(request, "/webhooks/replay?ids=" + ",".join(map(str, result["deliveries"])))


@router.get("/replay")
async def replay_page(
    request: Request, session: Session, platform: PlatformDep, operator: Operator = READ, ids: str = ""
) -> Response:
    done = await views.progress(platform, session, delivery_ids=_ids(ids))
    return render(request, "webhooks/replay.html", title="Replay", progress=done, ids=ids)


@router.get("/replay/status")
async def replay_status(
    request: Request, session: Session, platform: PlatformDep, operator: Operator = READ, ids: str = ""
) -> Response:
    done = await views.progress(platform, session, delivery_ids=_ids(ids))
    return render(request, "webhooks/_replay_status.html", progress=done, ids=ids)
