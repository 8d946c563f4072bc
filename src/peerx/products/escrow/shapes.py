"""The API shapes a Trustap client's responses take, chosen per OAuth client when it is registered
(`peerx escrow clients create --shape document|openapi`, OAuthClient.shape), as Stripe serves
several API versions at once:

- `document` (the default): the Trustap document's shapes, byte for byte as they always were;
- `openapi`: the public Trustap OpenAPI description's schemas: `buyer_id` and `seller_id` are
  strings, `complaint` is the spec's Complaint object `{"description": ...}`, the document's
  second names for the spec's fields (`descr`, `funds_release`) are left out, and the parties'
  details are the spec's UserDetails (`name` as `{first, last}`).

The routes build the document's body only; the shape is applied here, on the way out, by one
wrapper around every route that answers a transaction (install()). The caller's shape is
remembered on the request when its bearer token is read (deps.remember_shape), so a replayed
Idempotency-Key answer (stored as the document's body) comes out in the shape of the client
that asks again. Errors are `{"code", "error"}` in both shapes (the spec's Error)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peerx.core.encoding import dumps
from peerx.products.escrow.schemas import BasicTransaction, P2PTransaction
from peerx.products.escrow.wire import OPENAPI_SHAPE, spec_transaction

DOCUMENT, OPENAPI = "document", OPENAPI_SHAPE
STATE_KEY = "trustap_shape"  # request.state's name for the caller's shape


def _many(one: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Any], Any]:
    return lambda body: [one(item) for item in body] if isinstance(body, list) else body


def _one(one: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Any], Any]:
    return lambda body: one(body) if isinstance(body, dict) else body


# A route's documented response model -> how its `openapi` body is made from the document's
# (wire.spec_transaction: shared with the webhooks an `openapi` client receives).
CONVERTERS: dict[Any, Callable[[Any], Any]] = {
    BasicTransaction: _one(spec_transaction),
    P2PTransaction: _one(spec_transaction),
    list[BasicTransaction]: _many(spec_transaction),
    list[P2PTransaction]: _many(spec_transaction),
}


def user_details(shape: str, email: str, first: str, last: str) -> dict[str, Any]:
    """buyer_details / seller_details: the document's User `{email, name}` (one string), or the
    spec's UserDetails `{email, name: {first, last}}` (built from the parts, never split again)."""
    if shape == OPENAPI:
        return {"email": email, "name": {"first": first, "last": last}}
    return {"email": email, "name": f"{first} {last}".strip()}


def convert(shape: str | None, model: Any, body: Any) -> Any:
    """The body a route with response model `model` answers in `shape`."""
    converter = CONVERTERS.get(model)
    if shape != OPENAPI or converter is None:
        return body
    return converter(body)


class Reshape:
    """ASGI middleware on the surface: a 2xx JSON answer of a route whose response model has a
    converter, to an `openapi` caller, is converted; anything else (a `document` caller, an error,
    another route) passes through untouched. The route and the caller's shape are known by the
    time the answer starts (the router records the route in the scope; deps the shape)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        converting: list[Any] = []  # the route's response model, once the answer is to be converted
        start: Message = {}
        chunks: list[bytes] = []

        async def relay(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                model = getattr(scope.get("route"), "response_model", None)
                shape = scope.get("state", {}).get(STATE_KEY)
                if shape == OPENAPI and model in CONVERTERS and 200 <= message["status"] < 300:
                    converting.append(model)
                    start = message
                    return
            elif message["type"] == "http.response.body" and converting:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await send_converted(b"".join(chunks))
                return
            await send(message)

        async def send_converted(body: bytes) -> None:
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            if body and content_type.startswith(b"application/json"):
                body = dumps(convert(OPENAPI, converting[0], json.loads(body))).encode()
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, relay)


def install(app: FastAPI) -> None:
    """Serve each caller its shape (called once by build_surface)."""
    app.add_middleware(Reshape)
