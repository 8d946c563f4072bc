"""create_app(settings): mounts every enabled product surface and the operator API."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.routing import Mount

from peerx import __version__, rail_callbacks
from peerx.composition import PRODUCTS, build_platform
from peerx.console import app as console_app
from peerx.ops import api as ops_api
from peerx.platform import Platform
from peerx.settings import Settings
from peerx.web.docs import add_index, mount_assets


def create_app(
    settings: Settings | None = None, *, platform: Platform | None = None, run_worker: bool = False
) -> FastAPI:
    platform = platform or build_platform(settings or Settings())

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = None
        if run_worker:
            task = asyncio.create_task(platform.worker.run_forever(platform.settings.worker_poll_seconds, stop))
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            await platform.aclose()

    app = FastAPI(title="peerx", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.platform = platform

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for product in PRODUCTS:
        product.mount(app, platform)
    rail_callbacks.mount(app, platform)  # MTN/Orange callbacks: hints that wake payout jobs
    ops_api.mount(app, platform)
    console_app.mount(app, platform)  # the operator console's pages, at /console
    mount_assets(app)  # Swagger UI and ReDoc, packaged: the docs work offline
    add_index(app)
    _mounts_take_any_path(app)
    return app


def create_app_from_environment() -> FastAPI:
    """The app of one `peerx serve --workers N` process (uvicorn's factory, by import string):
    built from PEERX_* in that process; the parent applied the migrations before forking."""
    settings = Settings()
    return create_app(settings, run_worker=settings.embedded_worker)


def _mounts_take_any_path(app: FastAPI) -> None:
    """A mount's pattern ends in `.*`, which stops at a newline: a path with %0A would miss its
    surface and get the root's bare 404. Matched across newlines, it reaches the surface, whose
    edge refuses the control character in its own envelope."""
    for route in app.routes:
        if isinstance(route, Mount):
            route.path_regex = re.compile(route.path_regex.pattern, route.path_regex.flags | re.DOTALL)
