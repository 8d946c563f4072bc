"""FastAPI plumbing every wire surface shares: the unit-of-work dependency, the JSON response
class that keeps Decimals exact, Idempotency-Key handling, and the sub-application factory that
gives each surface its own error envelope."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException

from peerx.core.encoding import dumps, loads
from peerx.core.errors import InvalidField, NotFound, PeerxError, RateLimited, Unauthorized
from peerx.core.idempotency import StoredResponse, complete, fingerprint, reserve
from peerx.core.money import parse_decimal
from peerx.platform import Platform

log = logging.getLogger(__name__)


class WireJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content).encode()


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(platform_of)]


async def _unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    async with platform_of(request).db.transaction() as session:
        yield session


# scope="function": the transaction commits when the endpoint returns, *before* the response is
# sent, so a client never sees success for work that did not commit.
Session = Annotated[AsyncSession, Depends(_unit_of_work, scope="function")]


async def idempotent(
    request: Request, session: AsyncSession, scope: str, params: object, action: Callable[[], Awaitable[Response]]
) -> Response:
    """Run `action` once per Idempotency-Key within `scope` (whose key space: an API credential,
    a user); replay its stored response on a retry."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return await action()
    request_fingerprint = fingerprint(request.method, request.url.path, params)
    stored = await reserve(session, scope=scope, key=key, request_fingerprint=request_fingerprint)
    if stored is not None:
        return Response(
            stored.body, stored.status_code, media_type=stored.content_type, headers={"Idempotent-Replayed": "true"}
        )
    response = await action()
    body = bytes(response.body).decode()
    await complete(
        session,
        scope=scope,
        key=key,
        response=StoredResponse(response.status_code, body, response.media_type or "application/json"),
    )
    return response


def page_params(page: str | None, per_page: str | None, *, default_size: int, max_size: int) -> tuple[int, int]:
    """`page` and `per_page` query values (1-based), checked and defaulted."""

    def number(name: str, raw: str | None, default: int, high: int) -> int:
        if raw is None or raw == "":
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= high:
            raise InvalidField(name, f"must be a whole number from 1 to {high}")
        return int(raw)

    return number("page", page, 1, 1_000_000), number("per_page", per_page, default_size, max_size)


def json_object(body: bytes) -> dict[str, Any]:
    """A JSON request body that must be an object; numbers parse as Decimal, never float."""
    try:
        data = loads(body) if body.strip() else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidField("body", "must be a JSON object")
    return data


def decimal_field(body: dict[str, Any], name: str, *, required: bool = True) -> Decimal | None:
    if body.get(name) is None:
        if required:
            raise InvalidField(name, "is required")
        return None
    try:
        return parse_decimal(body[name])
    except ValueError:
        raise InvalidField(name, "must be a number") from None


def error_status(exc: PeerxError, table: Mapping[type[PeerxError], int], default: int) -> int:
    """The HTTP status a surface gives `exc`: one the error carries (a crash is 500), else the
    surface's table looked up along the class hierarchy (subclasses inherit), else `default`."""
    explicit = exc.details.get("status")
    if isinstance(explicit, int):
        return explicit
    return next((table[cls] for cls in type(exc).__mro__ if cls in table), default)


def retry_after(exc: PeerxError) -> dict[str, str]:
    return {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else {}


ErrorRenderer = Callable[[PeerxError], Response]


def surface_app(title: str, platform: Platform, render_error: ErrorRenderer, *, version: str = "1") -> FastAPI:
    """A sub-application for one product surface. Every error, including unknown routes,
    malformed input and crashes, leaves in that surface's own envelope."""
    app = FastAPI(title=title, version=version, docs_url="/docs", redoc_url=None)
    app.state.platform = platform

    @app.exception_handler(PeerxError)
    async def _peerx(_: Request, exc: PeerxError) -> Response:
        return render_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": ["body"], "msg": "invalid request"}
        field = str(first["loc"][-1]) if first.get("loc") else "body"
        return render_error(InvalidField(field, str(first.get("msg", "is invalid")).lower()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return render_error(NotFound("Endpoint not found."))
        if exc.status_code == 401:
            return render_error(Unauthorized(str(exc.detail)))
        error = PeerxError(str(exc.detail))
        error.details["status"] = exc.status_code
        return render_error(error)

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception) -> Response:
        log.exception("unhandled error in %s", title)
        error = PeerxError("Internal server error.")
        error.details["status"] = 500
        return render_error(error)

    return app
