"""Who calls the Peach surface, as named dependencies every router uses:

- `User`: the account of the access token (`Authorization: Bearer <token>`; the app's `Basic
  <token>` and a bare token are read too), limited per account. Tokens are HS256 JWTs signed
  with `TokenKey`; opaque tokens issued before them stay valid until they expire;
- `MaybeUser`: the same when a token is sent, else nobody, limited per IP (search, offer/:id,
  contact/report);
- `Public`: no token, limited per IP;
- `PeachDep`: the product's services (settings, chain backend, escrow keys, prices);
- `TokenKey`: the key access tokens are signed with (derived from the platform's key material).

The bearer scheme is declared through FastAPI's HTTPBearer so the OpenAPI document carries the
`PeachToken` security scheme and each private operation's security requirement."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from peerx.products.bitcoin.context import Peach, peach_of
from peerx.products.bitcoin.identity import users
from peerx.products.bitcoin.models import PeachUser
from peerx.products.bitcoin.schemas import PeachRequest
from peerx.web import PlatformDep, Session, platform_of
from peerx.wire import IdempotencyKeyText

SURFACE = "peach"
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="PeachToken",
    bearerFormat="JWT",
    description="The accessToken from user/register or user/auth, valid 60 minutes.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


async def _limit(request: Request, key: str) -> None:
    platform = platform_of(request)
    await platform.limiter.check(platform.settings.peach_rate_limit, SURFACE, key)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def public_limit(request: Request) -> None:
    """A public route: limited per IP."""
    await _limit(request, f"ip:{client_ip(request)}")


class _TokenKey:
    def __init__(self, key: bytes):
        self.key = key


def token_key(request: Request) -> bytes:
    """The access tokens' signing key, derived once per platform from its hash pepper."""
    platform = platform_of(request)
    return platform.extension(_TokenKey, lambda: _TokenKey(users.token_key(platform.keys.pepper))).key


async def current_user(request: Request, session: Session, _credentials: Credentials) -> PeachUser:
    """The token's account (UNAUTHORIZED without a valid token, ACCOUNT_BANNED when disabled)."""
    user = await users.user_for_token(session, request.headers.get("authorization"), token_key(request))
    await _limit(request, f"user:{user.id}")
    return user


async def optional_user(request: Request, session: Session, _credentials: Credentials) -> PeachUser | None:
    """The token's account when one is sent (a wrong token is still UNAUTHORIZED), else None."""
    if not request.headers.get("authorization"):
        await public_limit(request)
        return None
    return await current_user(request, session, _credentials)


def peach(platform: PlatformDep) -> Peach:
    return peach_of(platform)


User = Annotated[PeachUser, Depends(current_user)]
MaybeUser = Annotated[PeachUser | None, Depends(optional_user)]
PeachDep = Annotated[Peach, Depends(peach)]
TokenKey = Annotated[bytes, Depends(token_key)]
Public = [Depends(public_limit)]
# The OpenAPI of a route whose token is optional: FastAPI lists the bearer token, this adds the
# anonymous alternative ({}), so the operation's security reads [{"PeachToken": []}, {}].
OPTIONAL_TOKEN: dict[str, Any] = {"security": [{}]}

# Documents the header on the routes that honour it; peerx.web.idempotent reads it.
IdempotencyKey = Annotated[
    IdempotencyKeyText | None,
    Header(
        alias="Idempotency-Key",
        description="Repeats of this request with the same key (24 hours, per account) replay the first answer.",
    ),
]


def user_scope(user: PeachUser) -> str:
    """The Idempotency-Key space of an account."""
    return f"peach:user:{user.id}"


def fingerprint(body: PeachRequest | None) -> dict[str, Any]:
    """What a request body means, for Idempotency-Key (the fields sent, by wire name)."""
    return {} if body is None else body.model_dump(mode="json", by_alias=True, exclude_unset=True)


M = TypeVar("M", bound=PeachRequest)


def parse_body(model: type[M], data: object) -> M:
    """A body read by hand (a form or raw text besides JSON) into its model; a failure is the
    request's, reported as FastAPI reports a JSON body's (FORM_INVALID naming the field)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
