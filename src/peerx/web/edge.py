"""The edge: what a request must satisfy before any handler, database connection, transaction or
SQLite writer lock is given to it.

- A slow client holds only its own socket. `BodyGate` reads the whole body first (spooled to a
  temporary file past a small size), within a deadline that grows with what has arrived (as
  Apache's mod_reqtimeout does: a base time plus one second per `min_rate` bytes), and only then
  calls the application, whose unit of work therefore never waits on the network.
- Bodies are bounded per kind (JSON, urlencoded forms, multipart uploads): a declared length over
  the limit is refused with 413 before a byte is read, a chunked body as soon as it passes it.
- A NUL or other control character in the path or the query string is refused with 400 naming
  the parameter: no text that PostgreSQL would refuse reaches a query.
- `HeaderTimeoutH11` closes connections whose request line and headers do not arrive in time
  (uvicorn's keep-alive timer is reset by every byte, so a client dribbling headers is never
  closed by it).

Every refusal leaves in the surface's own error envelope, through the renderer it is given.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from peerx.core.errors import InvalidField, PayloadTooLarge, PeerxError, RequestTimeout
from peerx.wire import forbidden_character

SPOOL_IN_MEMORY = 256 * 1024  # bodies past this go to a temporary file (0600) while they arrive
REPLAY_CHUNK = 64 * 1024


@dataclass(frozen=True)
class BodyLimits:
    json_bytes: int  # anything that is not a form: JSON bodies and the rest
    form_bytes: int  # application/x-www-form-urlencoded
    upload_bytes: int  # multipart/form-data; only surfaces that take uploads set more than form_bytes
    timeout_seconds: float  # base time for the whole body
    min_rate: int  # bytes per second a client must keep up beyond the base time

    def for_content_type(self, content_type: str) -> int:
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "multipart/form-data":
            return self.upload_bytes
        if kind == "application/x-www-form-urlencoded":
            return self.form_bytes
        return self.json_bytes


class _ClientGone(Exception):
    pass


ErrorRenderer = Callable[[PeerxError], Response]


class BodyGate:
    """ASGI middleware for one surface: checks the target, then reads the body whole."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits, render_error: ErrorRenderer) -> None:
        self.app = app
        self.limits = limits
        self.render_error = render_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = bad_target(scope)
        if problem is not None:
            await self.render_error(problem)(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limits.for_content_type(headers.get("content-type", ""))
        declared = headers.get("content-length")
        if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
            await self._refuse(PayloadTooLarge(limit), scope, receive, send)
            return
        if declared in (None, "0") and "chunked" not in headers.get("transfer-encoding", "").lower():
            await self.app(scope, receive, send)  # no body to wait for
            return
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed below
        try:
            try:
                size = await self._read(receive, spool, limit)
            except _ClientGone:
                return
            except (PayloadTooLarge, RequestTimeout) as refusal:
                await self._refuse(refusal, scope, receive, send)
                return
            spool.seek(0)
            await self.app(scope, _replay(spool, size, receive), send)
        finally:
            spool.close()

    async def _read(self, receive: Receive, spool: IO[bytes], limit: int) -> int:
        loop = asyncio.get_running_loop()
        started, size = loop.time(), 0
        while True:
            remaining = started + self.limits.timeout_seconds + size / self.limits.min_rate - loop.time()
            if remaining <= 0:
                raise RequestTimeout()
            try:
                message = await asyncio.wait_for(receive(), remaining)
            except TimeoutError:
                raise RequestTimeout() from None
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(limit)
            spool.write(chunk)
            if not message.get("more_body", False):
                return size

    async def _refuse(self, error: PeerxError, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.render_error(error)
        # The rest of the body is never read: close rather than drain it.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _replay(spool: IO[bytes], size: int, receive: Receive) -> Receive:
    """The buffered body, in chunks, then the client's own channel (for its disconnect)."""
    sent = 0
    finished = False

    async def replayed() -> Message:
        nonlocal sent, finished
        if finished:
            return await receive()
        chunk = spool.read(REPLAY_CHUNK)
        sent += len(chunk)
        finished = sent >= size
        return {"type": "http.request", "body": chunk, "more_body": not finished}

    return replayed


def bad_target(scope: Scope) -> PeerxError | None:
    """A control character (NUL above all) in the path or in a query parameter."""
    if forbidden_character(scope.get("path", "")):
        return InvalidField("path", "must not contain control characters")
    query = scope.get("query_string", b"").decode("latin-1")
    if not query:
        return None
    for name, value in parse_qsl(query, keep_blank_values=True):
        if forbidden_character(name) or forbidden_character(value):
            shown = "".join("?" if forbidden_character(ch) else ch for ch in name)[:60] or "query"
            return InvalidField(shown, "must not contain control characters")
    return None


def header_timeout_protocol(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request headers have not all arrived
    `seconds` after it opened or after its previous response."""

    class HeaderTimeoutH11(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm_header_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm_header_timer()

        def handle_websocket_upgrade(self, event: Any) -> None:
            self._cancel_header_timer()  # the socket belongs to the WebSocket protocol now
            super().handle_websocket_upgrade(event)

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_header_timer()
            super().connection_lost(exc)

        def _arm_header_timer(self) -> None:
            self._cancel_header_timer()
            waiting_after = self.cycle

            def expire() -> None:
                idle = self.cycle is waiting_after and (waiting_after is None or waiting_after.response_complete)
                if idle and not self.transport.is_closing():
                    self.transport.close()

            self._header_timer = self.loop.call_later(seconds, expire)

        def _cancel_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

    return HeaderTimeoutH11


def server_options(header_timeout_seconds: float) -> dict[str, Any]:
    """uvicorn settings at the edge, the same for `peerx serve` and the tests' live servers."""
    return {
        "http": header_timeout_protocol(header_timeout_seconds),
        "timeout_keep_alive": 5,  # an idle keep-alive connection is closed after 5 s
        "h11_max_incomplete_event_size": 16 * 1024,  # request line and headers: 16 KB at most
    }
