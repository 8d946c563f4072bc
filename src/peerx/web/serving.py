"""How `peerx serve` runs uvicorn: one process or several (`--workers N`, each building its app
from PEERX_* through an import string, since a worker process is started afresh), with the
edge's options and proxy headers believed only from the trusted proxies (docs/multi-machine.md)."""

from __future__ import annotations

import os
from typing import Any

from peerx.core.private_files import private_dir
from peerx.settings import Settings
from peerx.web.edge import header_timeout_protocol, server_options

# What each uvicorn process imports: the app factory, and the edge's h11 protocol by name (a
# worker process receives its configuration pickled, and a class made by a function cannot be).
APP_FACTORY = "peerx.app:create_app_from_environment"
HTTP_PROTOCOL = "peerx.web.serving:HeaderTimeoutH11"
# How long uvicorn's supervisor waits for a worker process to answer its health check before it
# kills and restarts it. uvicorn's 5 s is shorter than a fresh process takes to import every
# product on a busy machine: it would kill workers still starting, over and over.
WORKER_HEALTHCHECK_SECONDS = 30


def __getattr__(name: str) -> Any:
    """HeaderTimeoutH11: the edge's h11 protocol with the header timeout of this process's
    environment, built when a uvicorn worker imports it by name (not when this module loads)."""
    if name == "HeaderTimeoutH11":
        protocol = header_timeout_protocol(Settings().header_timeout_seconds)
        globals()[name] = protocol
        return protocol
    raise AttributeError(name)


def proxy_options(settings: Settings) -> dict[str, Any]:
    """X-Forwarded-For and -Proto are believed only from PEERX_TRUSTED_PROXIES: then a request's
    client (per-address rate limits, login throttling) is the address the proxy saw; with none
    configured, every request is its socket's peer, whatever headers it sends."""
    trusted = settings.trusted_proxies
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def uvicorn_options(settings: Settings, *, workers: int = 1) -> dict[str, Any]:
    """uvicorn.run's keyword arguments for `peerx serve`."""
    options = {**server_options(settings.header_timeout_seconds), **proxy_options(settings)}
    if workers > 1:
        options["http"] = HTTP_PROTOCOL
        options["workers"] = workers
        options["timeout_worker_healthcheck"] = WORKER_HEALTHCHECK_SECONDS
    return options


def share_metrics_between_workers(settings: Settings) -> None:
    """With several server processes a scrape reaches one of them: unless the operator chose a
    PROMETHEUS_MULTIPROC_DIR, the processes share data_dir/metrics (docs/observability.md),
    emptied first so a previous run's files do not count toward the new totals. Set before
    uvicorn starts its workers, which inherit the environment."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = private_dir(settings.data_dir / "metrics")
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder.resolve())
