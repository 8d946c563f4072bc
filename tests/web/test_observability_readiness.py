"""/readyz for load balancers (the database answers SELECT 1 in time, and Redis when configured)
beside /healthz (liveness: the process answers, nothing else is touched); and OpenTelemetry
tracing, off unless PEERX_OTEL_ENABLED (nothing of it imported), on: a span per request carrying
the request id."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.core import tracing
from peerx.settings import Settings
from tests.conftest import make_settings

CLOSED_PORT_PG = "postgresql+asyncpg://postgres@127.0.0.1:9/peerx"  # discard port: nothing listens
CLOSED_PORT_REDIS = "redis://127.0.0.1:9/0"


async def serve(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    platform = build_platform(settings)
    try:
        app = create_app(platform=platform)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://peerx.test") as http:
            yield http
    finally:
        await platform.aclose()


async def test_ready_on_sqlite(client: httpx.AsyncClient) -> None:
    resp = await client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ready", "checks": {"database": "ok"}}
    assert resp.headers["cache-control"] == "no-store"


async def test_not_ready_when_the_database_is_unreachable(tmp_path: Path) -> None:
    async for http in serve(make_settings(tmp_path, CLOSED_PORT_PG)):
        resp = await http.get("/readyz")
        assert resp.status_code == 503, resp.text
        body = resp.json()
        assert body["status"] == "unavailable" and body["checks"]["database"].startswith("failed: ")
        assert "redis" not in body["checks"]
        assert (await http.get("/healthz")).status_code == 200  # alive all the same
        assert "postgres@" not in resp.text  # the URL (and any password in it) stays out


async def test_not_ready_when_configured_redis_is_unreachable(tmp_path: Path, database_url: str) -> None:
    async for http in serve(make_settings(tmp_path, database_url, redis_url=CLOSED_PORT_REDIS)):
        resp = await http.get("/readyz")
        assert resp.status_code == 503, resp.text
        checks = resp.json()["checks"]
        assert checks["database"] == "ok" and checks["redis"].startswith("failed: ")


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Any:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "_provider", provider)
    return exporter


async def test_tracing_when_enabled_spans_each_request_with_its_request_id(
    tmp_path: Path, database_url: str, spans: Any
) -> None:
    async for http in serve(make_settings(tmp_path, database_url, otel_enabled=True)):
        resp = await http.get("/peertupeer/api/v1/rates.php", headers={"X-Request-Id": "traced-42"})
        assert resp.status_code == 200 and resp.headers["x-request-id"] == "traced-42"
        await http.get("/healthz")
    finished = spans.get_finished_spans()
    server = [span for span in finished if span.attributes.get(tracing.REQUEST_ID_ATTRIBUTE) == "traced-42"]
    assert len(server) == 1, [(span.name, dict(span.attributes)) for span in finished]
    assert server[0].attributes["http.status_code"] == 200
    # Named by method and surface (a raw path would name a span per transaction id).
    assert server[0].name == "GET peertupeer"
    assert server[0].attributes["http.target"] == "/peertupeer/api/v1/rates.php"
    # One span per request (no receive/send spans), the other request with its own generated id.
    assert len(finished) == 2
    assert finished[1].attributes[tracing.REQUEST_ID_ATTRIBUTE] != "traced-42"


def test_tracing_off_imports_nothing_of_opentelemetry(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from peerx.app import create_app\n"
        "from peerx.settings import Settings\n"
        f"create_app(Settings(data_dir={str(tmp_path)!r}))\n"
        "ours = ('peerx.core.tracing', 'opentelemetry.instrumentation', 'opentelemetry.exporter',"
        " 'opentelemetry.sdk.trace')\n"
        "print(sorted(m for m in sys.modules if m.startswith(ours)))\n"
    )
    # (FastAPI and redis import opentelemetry's API, and redis its metrics SDK, whenever they are
    # installed: what peerx would import for tracing is what must be absent.)
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert shown.stdout.strip() == "[]", shown.stdout
