"""Named dependencies of the Peerwallet surface: the `api-private-key` header with its rate limits,
the Idempotency-Key header, and POST values read from a form or a JSON object into one model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader
from pydantic import ValidationError
from pydantic_core import PydanticCustomError
from starlette.datastructures import UploadFile

from peerx.core.errors import InvalidField, Unauthorized
from peerx.core.idempotency import MAX_KEY_LENGTH
from peerx.core.parties import Caller, authenticate
from peerx.products.vouchers import service
from peerx.products.vouchers.schemas import (
    VoucherCodeRequest,
    VoucherIssueRequest,
    VoucherOrderRequest,
    VoucherVoidRequest,
)
from peerx.web import PlatformDep, Session, json_object
from peerx.wire import Rule, Text, WireModel, wire_error

KEY_PREFIXES = ("pw_live_", "pw_test_")
MAX_FIELDS = 20  # form fields (and parts) in one request: the widest endpoint takes two

api_private_key = APIKeyHeader(
    name="api-private-key",
    scheme_name="api-private-key",
    description="Your Peerwallet API key (`pw_live_...` for live money, `pw_test_...` for the test balance).",
    auto_error=False,
)


async def api_key_caller(
    session: Session, platform: PlatformDep, key: Annotated[str | None, Security(api_private_key)]
) -> Caller:
    """The `api-private-key` header, then the per-key rate limit (PEERX_PEERWALLET_RATE_LIMIT)."""
    caller = (
        await authenticate(session, surface=service.SURFACE, plaintext=key)
        if key and key.startswith(KEY_PREFIXES)
        else None
    )
    if caller is None:
        raise Unauthorized("api-private-key is missing or invalid")
    await platform.limiter.check(
        platform.settings.peerwallet_rate_limit, service.SURFACE, f"credential:{caller.credential_id}"
    )
    return caller


async def code_key_caller(caller: Annotated[Caller, Depends(api_key_caller)], platform: PlatformDep) -> Caller:
    """Calls that take a voucher code get a tighter limit too (PEERX_PEERWALLET_CODE_RATE_LIMIT):
    guessing codes stays hopeless."""
    await platform.limiter.check(
        platform.settings.peerwallet_code_rate_limit, service.SURFACE, "codes", f"credential:{caller.credential_id}"
    )
    return caller


ApiKey = Annotated[Caller, Depends(api_key_caller)]
CodeKey = Annotated[Caller, Depends(code_key_caller)]


_KEY_TEXT = Text(MAX_KEY_LENGTH, min_length=1, strip=False)  # as peerx.wire.IdempotencyKeyText


@dataclass(frozen=True)
class IdempotencyKeyRule(Rule):
    """The shared Idempotency-Key rule (1 to 255 characters as sent, no control characters),
    refused in Peerwallet's one sentence."""

    def parse(self, value: Any) -> str | None:
        if value is None:
            return None
        try:
            return _KEY_TEXT.parse(value)
        except PydanticCustomError:
            raise wire_error(f"must be 1 to {MAX_KEY_LENGTH} characters, without control characters") from None

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH}


# Read by peerx.web.idempotent; declared here so it is checked and documented on every POST.
IdempotencyKey = Annotated[
    str | None,
    IdempotencyKeyRule(),
    Header(
        alias="Idempotency-Key",
        description="Retry safely: the same key with the same values replays the first response (24 hours); "
        "the same key with other values is refused with 422.",
    ),
]


def idempotency_key(key: IdempotencyKey = None) -> str | None:
    """Declares (and checks) the Idempotency-Key header on a route; peerx.web.idempotent reads it."""
    return key


Idempotent = Depends(idempotency_key)


# ---------------------------------------------------------------- POST values

M = TypeVar("M", bound=WireModel)


async def post_values(request: Request) -> dict[str, Any]:
    """A JSON object when the client says JSON; otherwise form fields (urlencoded or multipart).
    A field given more than once in a form is a list (voucher_codes takes each; the others
    refuse it rather than guess which one was meant)."""
    if "json" in request.headers.get("content-type", "").lower():
        return json_object(await request.body())
    # A form the framework cannot read (malformed, too many fields) is the surface's 400 on "body".
    async with request.form(max_files=MAX_FIELDS, max_fields=MAX_FIELDS) as form:
        values: dict[str, Any] = {}
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                raise InvalidField(name, "must be a text field, not a file")
            if name in values:
                previous = values[name]
                values[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                values[name] = value
        return values


def parsed(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency: the request's POST values, parsed strictly into `model` (a failure names
    the first field in error, in the surface's envelope)."""

    async def parse(request: Request) -> M:
        values = await post_values(request)
        try:
            return model.model_validate(values)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False, include_input=False)) from None

    parse.__name__ = f"parse_{model.__name__}"
    return parse


def post_body(model: type[WireModel]) -> dict[str, Any]:
    """The OpenAPI requestBody of an endpoint taking `model` as POST values: the same schema as a
    JSON object, a urlencoded form or a multipart form, with the model's `wire_examples`."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)  # the request models are flat
    examples = {f"example{n}": {"value": value} for n, value in enumerate(getattr(model, "wire_examples", []), 1)}
    content = {
        kind: {"schema": schema, "examples": examples}
        for kind in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
    }
    return {"requestBody": {"required": True, "content": content}}


IssueValues = Annotated[VoucherIssueRequest, Depends(parsed(VoucherIssueRequest))]
OrderValues = Annotated[VoucherOrderRequest, Depends(parsed(VoucherOrderRequest))]
CodeValues = Annotated[VoucherCodeRequest, Depends(parsed(VoucherCodeRequest))]
VoidValues = Annotated[VoucherVoidRequest, Depends(parsed(VoucherVoidRequest))]
