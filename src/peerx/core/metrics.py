"""Prometheus metrics: the process's metric objects and the helpers that move them
(docs/observability.md lists every name and label).

Labels are bounded: a surface name, a route template (never the raw path), a status class, a
ledger code, a job kind, a rail. Amounts are never labels. Children (`metric.labels(...)`) are
cached here, so a hot path pays one dict lookup per increment.

With PROMETHEUS_MULTIPROC_DIR set (several `peerx serve` workers), prometheus-client writes every
value to memory-mapped files in that directory and `exposition()` merges them; each gauge says how
its processes' values combine (`multiprocess_mode`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from peerx.core.db import on_commit

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

# ---------------------------------------------------------------- HTTP

HTTP_REQUESTS = Counter(
    "peerx_http_requests_total",
    "HTTP requests answered, by surface, route template, method and status class.",
    ["surface", "route", "method", "status_class"],
)
HTTP_ERRORS = Counter(
    "peerx_http_errors_total",
    "HTTP requests that ended in a 5xx or an unhandled exception.",
    ["surface", "route"],
)
HTTP_DURATION = Histogram(
    "peerx_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response.",
    ["surface", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# ---------------------------------------------------------------- business

LEDGER_TRANSFERS = Counter(
    "peerx_ledger_transfers_total",
    "Ledger transfers committed, by transfer code and outcome (posted, pending, post_pending, void_pending).",
    ["code", "outcome"],
)
OPERATIONS = Counter(
    "peerx_operations_total",
    "Product operations committed (trades submitted, vouchers issued, payments requested...).",
    ["product", "operation"],
)

# ---------------------------------------------------------------- jobs

JOB_RUNS = Counter(
    "peerx_job_runs_total",
    "Job runs finished by a worker, by kind and outcome (done, retry, failed, dead).",
    ["kind", "outcome"],
)
# Read from the database at scrape time: every process sees the same rows, so the latest wins.
_GAUGE_MODE: Final = "mostrecent"
JOBS = Gauge(
    "peerx_jobs",
    "Jobs in the database by kind and state (queued: due now or later; running; dead: failed for good).",
    ["kind", "state"],
    multiprocess_mode=_GAUGE_MODE,
)
JOBS_OLDEST_DUE = Gauge(
    "peerx_jobs_oldest_due_age_seconds",
    "How long the oldest queued job that is due has waited to be claimed, by kind.",
    ["kind"],
    multiprocess_mode=_GAUGE_MODE,
)

# ---------------------------------------------------------------- webhooks and payouts

WEBHOOK_ATTEMPTS = Counter(
    "peerx_webhook_delivery_attempts_total",
    "Webhook delivery attempts by surface and outcome (success, http_4xx, http_5xx, http_other, network, refused).",
    ["surface", "outcome"],
)
WEBHOOK_DEAD = Counter(
    "peerx_webhook_deliveries_dead_total",
    "Webhook deliveries given up after their last attempt.",
    ["surface"],
)
WEBHOOK_LAG = Histogram(
    "peerx_webhook_delivery_lag_seconds",
    "From the event's commit to its successful delivery.",
    ["surface"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 7200.0, 86400.0),
)
PAYOUTS = Counter(
    "peerx_payouts_total",
    "Payout rail answers by rail and status (succeeded, failed, pending, unknown: no answer).",
    ["rail", "status"],
)

# ---------------------------------------------------------------- database pool

DB_POOL_CHECKED_OUT = Gauge(
    "peerx_db_pool_checked_out",
    "Database connections lent out of this process's pool.",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "peerx_db_pool_size",
    "Connections the pool keeps (its size, not counting overflow).",
    multiprocess_mode="livesum",
)
DB_POOL_OVERFLOW = Gauge(
    "peerx_db_pool_overflow",
    "Connections open beyond the pool's size (negative: size not yet reached).",
    multiprocess_mode="livesum",
)


# ---------------------------------------------------------------- helpers

_children: dict[tuple[Any, ...], Any] = {}


def child(metric: Any, *labels: str) -> Any:
    """`metric.labels(*labels)`, cached (label values are bounded by construction)."""
    key = (id(metric), *labels)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*labels)
    return found


def count_on_commit(session: AsyncSession, metric: Any, *labels: str, amount: float = 1) -> None:
    """Increment when the unit of work commits: a rolled-back operation is not counted."""
    counter = child(metric, *labels)
    on_commit(session, lambda: counter.inc(amount))


def count_operation(session: AsyncSession, product: str, operation: str, amount: int = 1) -> None:
    """A product's business operation (products call this from their service layer)."""
    count_on_commit(session, OPERATIONS, product, operation, amount=amount)


def count_transfer(session: AsyncSession, code: str, outcome: str) -> None:
    count_on_commit(session, LEDGER_TRANSFERS, code, outcome)


def count_job(kind: str, outcome: str) -> None:
    child(JOB_RUNS, kind, outcome).inc()


def count_payout(rail: str, status: str) -> None:
    child(PAYOUTS, rail, status).inc()


def count_webhook(surface: str, status_code: int | None, error: str | None, *, refused: bool = False) -> None:
    if error is None:
        outcome = "success"
    elif refused:
        outcome = "refused"
    elif status_code is None:
        outcome = "network"
    elif 400 <= status_code < 500:
        outcome = "http_4xx"
    elif status_code >= 500:
        outcome = "http_5xx"
    else:
        outcome = "http_other"
    child(WEBHOOK_ATTEMPTS, surface, outcome).inc()


def observe_webhook_lag(surface: str, created_at: datetime, delivered_at: datetime) -> None:
    child(WEBHOOK_LAG, surface).observe(max(0.0, (delivered_at - created_at).total_seconds()))


def count_dead_webhook(surface: str) -> None:
    child(WEBHOOK_DEAD, surface).inc()


def watch_pool(engine: AsyncEngine) -> None:
    """Follow the engine's pool: connections lent out, its size, its overflow."""
    pool = engine.sync_engine.pool
    size: Callable[[], int] | None = getattr(pool, "size", None)
    overflow: Callable[[], int] | None = getattr(pool, "overflow", None)
    if size is not None:
        DB_POOL_SIZE.inc(size())

    def refresh_overflow() -> None:
        if overflow is not None:
            DB_POOL_OVERFLOW.set(overflow())

    @sa_event.listens_for(pool, "checkout")
    def _checkout(*_args: Any) -> None:
        DB_POOL_CHECKED_OUT.inc()
        refresh_overflow()

    @sa_event.listens_for(pool, "checkin")
    def _checkin(*_args: Any) -> None:
        DB_POOL_CHECKED_OUT.dec()
        refresh_overflow()


def forget_pool(engine: AsyncEngine) -> None:
    """The engine is disposed: its pool no longer counts toward the size."""
    size: Callable[[], int] | None = getattr(engine.sync_engine.pool, "size", None)
    if size is not None:
        DB_POOL_SIZE.dec(size())


def exposition() -> bytes:
    """Every metric in the Prometheus text format: this process's, or (multiprocess mode) every
    process's merged from PROMETHEUS_MULTIPROC_DIR."""
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


def serve_exposition(port: int, host: str = "127.0.0.1") -> None:
    """A `peerx worker` serves no HTTP API: its own metrics (job runs, webhook deliveries,
    payouts) on `host:port`, from prometheus-client's own small server in a thread."""
    from prometheus_client import start_http_server

    if MULTIPROCESS:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        start_http_server(port, addr=host, registry=registry)
    else:
        start_http_server(port, addr=host)


def process_exited(pid: int) -> None:
    """Multiprocess mode: drop a finished process's live gauges (its pool)."""
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
