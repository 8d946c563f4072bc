"""OpenTelemetry tracing, on when PEERX_OTEL_ENABLED is true (docs/observability.md).

Nothing of OpenTelemetry is imported unless it is enabled (it is an optional extra: `pip install
'peerx[otel]'`). Enabled, every HTTP request gets a server span from the ASGI instrumentation,
with the request id as the attribute `peerx.request_id`; spans go to the OTLP/HTTP exporter,
configured by the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

REQUEST_ID_ATTRIBUTE = "peerx.request_id"

# The process's tracer provider, built on first use (tests put their own here).
_provider: Any = None


def tracer_provider() -> Any:
    global _provider
    if _provider is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; "peerx" by default.
        provider = TracerProvider(resource=Resource.create({"service.name": "peerx"}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        _provider = provider
    return _provider


def asgi_middleware(surface_of: Callable[[str], str]) -> tuple[type[Any], dict[str, Any]]:
    """The ASGI middleware class and its options, for `app.add_middleware`. It runs inside the
    request-id middleware, so the id is in the scope when the span starts. Spans are named by
    method and surface ("POST peex"): the path, with its ids, is the attribute http.target."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    def on_request(span: Any, scope: dict[str, Any]) -> None:
        request_id = scope.get("state", {}).get("request_id")
        if request_id and span.is_recording():
            span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)

    def span_details(scope: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return f"{scope.get('method', 'WEBSOCKET')} {surface_of(scope.get('path', ''))}", {}

    options = {
        "tracer_provider": tracer_provider(),
        "default_span_details": span_details,
        "server_request_hook": on_request,
        "exclude_spans": ["receive", "send"],  # one span per request, not one per ASGI message
    }
    return OpenTelemetryMiddleware, options


def shutdown() -> None:
    """Flush the spans still queued (process exit)."""
    if _provider is not None and hasattr(_provider, "shutdown"):
        _provider.shutdown()
