"""FastAPI plumbing every wire surface shares: the unit-of-work dependency, the JSON response
class that keeps Decimals exact, the route class whose JSON parsing is exact and bounded,
Idempotency-Key handling, and the sub-application factory that gives each surface its own error
envelope, its edge limits (peerx.web.edge) and its offline API docs (peerx.web.docs)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from decimal import Decimal
from typing import Annotated, Any

import simplejson
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException

from peerx.core.encoding import dumps
from peerx.core.errors import (
    InvalidField,
    NotFound,
    PayloadTooLarge,
    PeerxError,
    RateLimited,
    RequestTimeout,
    Unauthorized,
    Unavailable,
)
from peerx.core.idempotency import StoredResponse, complete, fingerprint, reserve
from peerx.core.money import parse_decimal
from peerx.platform import Platform
from peerx.web.edge import BodyGate, BodyLimits
from peerx.wire import ExponentDecimal

log = logging.getLogger(__name__)


class WireJSON(JSONResponse):
    """JSON as the documents print it; a wire model is dumped by alias, in declaration order.
    (A JSONResponse, so FastAPI documents a route's response_model as its JSON body.)"""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, BaseModel):
            content = content.model_dump(mode="python", by_alias=True)
        return dumps(content).encode()


# ---------------------------------------------------------------- JSON bodies

MAX_JSON_DEPTH = 32  # the documents' bodies nest 4 levels at most


def _json_number(text: str) -> Decimal:
    return ExponentDecimal(text) if "e" in text or "E" in text else Decimal(text)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(body: bytes) -> Any:
    """A request's JSON: numbers exact (Decimal, never float; exponents marked so amounts can
    refuse them), NaN and Infinity refused, nesting bounded. Failures are json.JSONDecodeError,
    which FastAPI turns into a validation error on "body"."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise json.JSONDecodeError("must be UTF-8", "", 0) from None
    try:
        value = simplejson.loads(text, parse_float=_json_number, parse_constant=_no_constants)
    except RecursionError:
        raise json.JSONDecodeError(f"must not nest deeper than {MAX_JSON_DEPTH} levels", "", 0) from None
    except ValueError as exc:
        raise json.JSONDecodeError("must be valid JSON", "", getattr(exc, "pos", 0) or 0) from None
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise json.JSONDecodeError(f"must not nest deeper than {MAX_JSON_DEPTH} levels", "", 0)
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class WireRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class WireRoute(APIRoute):
    """A route whose JSON body is parsed by parse_json (FastAPI's own parser makes floats)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def wire_handler(request: Request) -> Response:
            return await handler(WireRequest(request.scope, request.receive))

        return wire_handler


def wire_router(**kwargs: Any) -> APIRouter:
    """A module-level router for a wire surface (its routes parse JSON exactly)."""
    return APIRouter(route_class=WireRoute, default_response_class=WireJSON, **kwargs)


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
    request_fingerprint = fingerprint(request.method, request.url.path, params, key=platform_of(request).keys.pepper)
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
        data = parse_json(body) if body.strip() else None
    except json.JSONDecodeError as exc:
        raise InvalidField("body", exc.msg) from None
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


# What the edge refuses means the same on every surface.
EDGE_STATUS: dict[type[PeerxError], int] = {PayloadTooLarge: 413, RequestTimeout: 408, Unavailable: 503}


def error_status(exc: PeerxError, table: Mapping[type[PeerxError], int], default: int) -> int:
    """The HTTP status a surface gives `exc`: one the error carries (a crash is 500), else the
    edge's statuses, else the surface's table looked up along the class hierarchy (subclasses
    inherit), else `default`."""
    explicit = exc.details.get("status")
    if isinstance(explicit, int):
        return explicit
    if type(exc) in EDGE_STATUS:
        return EDGE_STATUS[type(exc)]
    return next((table[cls] for cls in type(exc).__mro__ if cls in table), default)


def retry_after(exc: PeerxError) -> dict[str, str]:
    return {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited | Unavailable) else {}


ErrorRenderer = Callable[[PeerxError], Response]

_REQUEST_PARTS = ("body", "query", "path", "header", "cookie")


def validation_failure(exc: RequestValidationError) -> InvalidField:
    """The first problem of a request, as InvalidField(field, reason): the field by its wire
    name (nested ones dotted: "items.0.code"), the reason phrased to follow it."""
    errors = exc.errors()
    if not errors:
        return InvalidField("body", "is invalid")
    first = errors[0]
    kind, ctx = str(first.get("type", "")), first.get("ctx") or {}
    if kind == "json_invalid":
        return InvalidField("body", str(ctx.get("error", "must be valid JSON")))
    loc = [part for part in first.get("loc", ()) if part not in _REQUEST_PARTS] or ["body"]
    field = ".".join(str(part) for part in loc)
    reasons = {
        "wire": str(first.get("msg", "is invalid")),
        "missing": "is required",
        "model_type": "must be a JSON object",
        "model_attributes_type": "must be a JSON object",
        "dict_type": "must be a JSON object",
        "string_type": "must be a string",
        "list_type": "must be a list",
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "string_too_long": f"must be at most {ctx.get('max_length')} characters",
        "too_long": f"must have at most {ctx.get('max_length')} items",
        "too_short": f"must have at least {ctx.get('min_length')} items",
        "literal_error": f"must be one of {ctx.get('expected')}",
        "enum": f"must be one of {ctx.get('expected')}",
        "extra_forbidden": "is not allowed",
    }
    return InvalidField(field, reasons.get(kind, str(first.get("msg", "is invalid")).lower()))


def surface_app(
    title: str,
    platform: Platform,
    render_error: ErrorRenderer,
    *,
    version: str = "1",
    description: str = "",
    error_model: type[BaseModel] | None = None,
    upload_bytes: int | None = None,
) -> FastAPI:
    """A sub-application for one product surface. Every error, including unknown routes,
    malformed input, refusals at the edge and crashes, leaves in that surface's own envelope.
    `error_model` documents that envelope for every operation; `upload_bytes` lets multipart
    bodies be that large (surfaces without uploads keep them to the form limit)."""
    from peerx.web.docs import add_docs_routes  # the docs pages build on this module's app

    settings = platform.settings
    responses: dict[int | str, dict[str, Any]] = {}
    if error_model is not None:
        responses["default"] = {"model": error_model, "description": "An error, in this API's envelope."}
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        docs_url=None,
        redoc_url=None,
        default_response_class=WireJSON,
        responses=responses,
    )
    app.router.route_class = WireRoute
    app.state.platform = platform
    add_docs_routes(app)
    limits = BodyLimits(
        json_bytes=settings.max_json_bytes,
        form_bytes=settings.max_form_bytes,
        upload_bytes=upload_bytes or settings.max_form_bytes,
        timeout_seconds=settings.body_timeout_seconds,
        min_rate=settings.body_min_rate_bytes,
    )
    app.add_middleware(BodyGate, limits=limits, render_error=render_error)

    @app.exception_handler(PeerxError)
    async def _peerx(_: Request, exc: PeerxError) -> Response:
        return render_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        return render_error(validation_failure(exc))

    @app.exception_handler(PoolTimeout)
    async def _pool(_: Request, exc: PoolTimeout) -> Response:
        log.warning("database pool exhausted in %s", title)
        return render_error(Unavailable())

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return render_error(NotFound("Endpoint not found."))
        if exc.status_code == 401:
            return render_error(Unauthorized(str(exc.detail)))
        if exc.status_code == 400:  # the framework could not read the body (a malformed or over-limit form)
            return render_error(InvalidField("body", f"could not be read ({str(exc.detail).rstrip('.')})"))
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
