"""What an operator watches (docs/observability.md): the request middleware (request ids, HTTP
metrics), `/metrics` in the Prometheus text format and `/readyz` for load balancers.

`RequestObserver` is a plain ASGI middleware around the whole application (every surface, the
console, ops, the edge's refusals): it takes the client's `X-Request-Id` or makes one, keeps it in
the context variable every log line and every job queued by the request reads, echoes it on the
response, and counts the request by surface and route template once the response is sent.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peerx.core import metrics
from peerx.core.db import utcnow
from peerx.core.jobs import DEAD, QUEUED, RUNNING, Job
from peerx.core.logs import REQUEST_ID, accepted_request_id
from peerx.platform import Platform
from peerx.settings import Settings

log = logging.getLogger(__name__)

_HEADER = b"x-request-id"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
JOB_GAUGES_MAX_AGE_SECONDS = 1.0
UNMATCHED = "unmatched"  # no route took the request (404s, the edge's refusals): never the raw path


def surfaces(settings: Settings) -> list[tuple[str, str]]:
    """(prefix, surface), longest prefix first."""
    table = [
        (settings.peertupeer_prefix, "peertupeer"),
        (settings.peerwallet_prefix, "peerwallet"),
        (settings.peex_prefix, "peex"),
        (settings.trustap_prefix, "trustap"),
        (settings.peach_prefix, "peach"),
        ("/ops", "ops"),
        ("/console", "console"),
    ]
    return sorted(((prefix.rstrip("/"), name) for prefix, name in table), key=lambda item: -len(item[0]))


def surface_finder(settings: Settings) -> Callable[[str], str]:
    """path -> the surface it belongs to ("other" for the root's own routes)."""
    table = surfaces(settings)

    def surface(path: str) -> str:
        for prefix, name in table:
            if path == prefix or path.startswith(prefix + "/"):
                return name
        return "other"

    return surface


class RequestObserver:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.surface = surface_finder(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = None
        for name, value in scope.get("headers", ()):
            if name == _HEADER:
                given = value.decode("latin-1")
                break
        request_id = accepted_request_id(given)
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        if kind == "websocket":
            try:
                await self.app(scope, receive, send)
            finally:
                REQUEST_ID.reset(token)
            return
        started = time.perf_counter()
        root_path = scope.get("root_path", "")
        status = 500
        header = (_HEADER, request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        failed = False
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            failed = True
            raise
        finally:
            REQUEST_ID.reset(token)
            self._observe(scope, root_path, status, failed, time.perf_counter() - started)

    def _observe(self, scope: Scope, root_path: str, status: int, failed: bool, seconds: float) -> None:
        surface = self.surface(scope.get("path", ""))
        route = _route_template(scope, root_path)
        method = scope.get("method", "GET")
        method = method if method in _METHODS else "OTHER"
        metrics.child(metrics.HTTP_REQUESTS, surface, route, method, f"{status // 100}xx").inc()
        metrics.child(metrics.HTTP_DURATION, surface, route).observe(seconds)
        if failed or status >= 500:
            metrics.child(metrics.HTTP_ERRORS, surface, route).inc()


def _route_template(scope: Scope, root_path: str) -> str:
    """The matched route's template with its mount's prefix ("/peex/api/v3/clients/{id}")."""
    route = scope.get("route")
    template = getattr(route, "path", None) if route is not None else None
    if not isinstance(template, str):
        return UNMATCHED
    mounted = scope.get("root_path", "")
    prefix = mounted[len(root_path) :] if mounted.startswith(root_path) else ""
    return prefix + template


# ---------------------------------------------------------------- /metrics


_seen_job_labels: set[tuple[str, str]] = set()
_seen_due_kinds: set[str] = set()


async def refresh_jobs(session: AsyncSession, now: datetime) -> None:
    """Set the job gauges from the database: counts by kind and state, and the age of the oldest
    due job per kind. A label that had jobs and has none now drops to 0."""
    rows = await session.execute(
        select(Job.kind, Job.status, func.count())
        .where(Job.status.in_((QUEUED, RUNNING, DEAD)))
        .group_by(Job.kind, Job.status)
    )
    counts: dict[tuple[str, str], int] = {(kind, status): int(count) for kind, status, count in rows}
    due = await session.execute(
        select(Job.kind, func.min(Job.run_at)).where(Job.status == QUEUED, Job.run_at <= now).group_by(Job.kind)
    )
    ages = {kind: (now - oldest).total_seconds() for kind, oldest in due if oldest is not None}
    for key in _seen_job_labels - counts.keys():
        metrics.child(metrics.JOBS, *key).set(0)
    for key, count in counts.items():
        metrics.child(metrics.JOBS, *key).set(count)
    _seen_job_labels.update(counts)
    for kind in _seen_due_kinds - ages.keys():
        metrics.child(metrics.JOBS_OLDEST_DUE, kind).set(0)
    for kind, age in ages.items():
        metrics.child(metrics.JOBS_OLDEST_DUE, kind).set(max(0.0, age))
    _seen_due_kinds.update(ages)


def _authorized(request: Request, token: str) -> bool:
    if not token:
        return True
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def mount(app: FastAPI, platform: Platform) -> None:
    """The middleware around everything, and /metrics and /readyz on the main app."""
    settings = platform.settings
    app.add_middleware(RequestObserver, settings=settings)
    refreshed = [float("-inf")]  # when this process last read the job gauges (monotonic)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        if not _authorized(request, settings.metrics_token):
            return JSONResponse(
                {"error": "a bearer token is required (PEERX_METRICS_TOKEN)"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        # The job gauges are read from the database at most once a second per process, so a
        # client polling /metrics (it needs no token unless one is set) costs the database nothing.
        if time.monotonic() - refreshed[0] >= JOB_GAUGES_MAX_AGE_SECONDS:
            refreshed[0] = time.monotonic()  # before the await: concurrent scrapes don't all query
            try:
                async with asyncio.timeout(settings.readyz_timeout_seconds):
                    async with platform.db.transaction() as session:
                        await refresh_jobs(session, utcnow())
            except Exception as exc:  # the rest of the metrics are still worth serving
                log.warning("job gauges not refreshed: %s", type(exc).__name__)
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks = {"database": await _check_database(platform)}
        if settings.redis_url:
            checks["redis"] = await _check_redis(settings.redis_url, settings.readyz_timeout_seconds)
        ready = all(check == "ok" for check in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
            headers={"Cache-Control": "no-store"},
        )


async def _check_database(platform: Platform) -> str:
    try:
        async with asyncio.timeout(platform.settings.readyz_timeout_seconds):
            async with platform.db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except TimeoutError:
        return "timeout"
    except Exception as exc:
        log.warning("readiness: database check failed: %s", type(exc).__name__)
        return f"failed: {type(exc).__name__}"
    return "ok"


async def _check_redis(url: str, seconds: float) -> str:
    from redis.asyncio import Redis

    client: Any = Redis.from_url(url, socket_connect_timeout=seconds, socket_timeout=seconds)
    try:
        async with asyncio.timeout(seconds):
            await client.ping()
    except TimeoutError:
        return "timeout"
    except Exception as exc:
        log.warning("readiness: redis check failed: %s", type(exc).__name__)
        return f"failed: {type(exc).__name__}"
    finally:
        await client.aclose()
    return "ok"
