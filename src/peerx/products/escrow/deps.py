"""Who is calling a Trustap route, as named dependencies the OpenAPI documents:

- `User`: the user's OAuth2 access token (`Authorization: Bearer tpa_...`), security scheme
  `OAuth2` (authorization code with PKCE at our /oauth2 endpoints) with the scopes the route
  requires (`openid` on every user route);
- `ChargeCaller`: /charge and /p2p/charge also take an API key as the HTTP Basic user name
  (security scheme `APIKey`), as the spec allows; an API key never acts as a user.

And running a change once per Idempotency-Key (per user, not per token)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response, Security
from fastapi.security import HTTPBasic, OAuth2AuthorizationCodeBearer, SecurityScopes
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import Unauthorized
from peerx.core.parties import authenticate
from peerx.products.escrow import oauth
from peerx.products.escrow.repository import Actor
from peerx.products.escrow.shapes import STATE_KEY as SHAPE_KEY
from peerx.products.escrow.wire import SURFACE
from peerx.web import Session, WireJSON, idempotent
from peerx.wire import IdempotencyKeyText

API_KEY_PREFIXES = ("tpk_live_", "tpk_test_")
API_SCOPE = oauth.API_SCOPE

# The spec's descriptions of the scopes peerx knows (oauth.SCOPES).
SCOPE_DESCRIPTIONS: dict[str, str] = {
    "openid": "This client is making an OpenID Connect request (every user route requires it).",
    "basic_ls:offline_accept_listing": "This client may accept Online listings on the user's behalf while the "
    "user is offline.",
    "basic_ls:offline_create": "This client may create Online listings for the user while the user is offline.",
    "basic_tx:offline_accept_payment": "This client may accept payments for Online transactions on the user's "
    "behalf while the user is offline.",
    "basic_tx:offline_cancel": "This client may cancel Online transactions on the user's behalf while the user "
    "is offline.",
    "basic_tx:offline_claim": "This client may claim Online transactions on the user's behalf while the user "
    "is offline.",
    "basic_tx:offline_complain": "This client may submit complaints for Online transactions on the user's "
    "behalf while the user is offline.",
    "basic_tx:offline_create_join": "This client may create and join Online transactions on the user's behalf "
    "while the user is offline.",
    "basic_tx:offline_track": "This client may submit tracking information for Online transactions on the "
    "user's behalf while the user is offline.",
    "p2p_ls:offline_create": "This client may create F2F listings for the user while the user is offline.",
    "p2p_ls:offline_update": "This client may update F2F listings on the user's behalf while the user is offline.",
    "p2p_tx:offline_accept_deposit": "This client may accept deposits for F2F transactions on the user's behalf "
    "while the user is offline.",
    "p2p_tx:offline_cancel": "This client may cancel F2F transactions on the user's behalf while the user is offline.",
    "p2p_tx:offline_claim": "This client may claim F2F transactions on the user's behalf while the user is offline.",
    "p2p_tx:offline_complain": "This client may submit complaints for F2F transactions on the user's behalf "
    "while the user is offline.",
    "p2p_tx:offline_confirm_handover": "This client may confirm handovers for F2F transactions on the user's "
    "behalf while the user is offline.",
    "p2p_tx:offline_create_join": "This client may create and join F2F transactions on the user's behalf while "
    "the user is offline.",
    "p2p_tx:offline_set_price": "This client may set the price for F2F transactions on the user's behalf while "
    "the user is offline.",
    "profile": "This client may access the user's default profile claims: `name`, `family_name`, `given_name`, "
    "`middle_name`, `nickname`, `preferred_username`, `profile`, `picture`, `website`, `gender`, `birthdate`, "
    "`zoneinfo`, `locale`, and `updated_at`.",
}
assert set(SCOPE_DESCRIPTIONS) == set(oauth.SCOPES)

# The URLs are relative to the surface; build_surface prints them with its prefix in the OpenAPI.
AUTHORIZE_PATH, TOKEN_PATH = "/oauth2/authorize", "/oauth2/token"

oauth2 = OAuth2AuthorizationCodeBearer(
    authorizationUrl=AUTHORIZE_PATH,
    tokenUrl=TOKEN_PATH,
    refreshUrl=TOKEN_PATH,
    scopes=SCOPE_DESCRIPTIONS,
    scheme_name="OAuth2",
    description="A user's access token from peerx's OAuth2 server: authorization code with PKCE (S256), "
    "clients registered by the operator. Send it as `Authorization: Bearer tpa_...`. Every user route "
    "requires the `openid` scope; the `*:offline_*` scopes are recorded, not enforced.",
    auto_error=False,
)


class ApiKeyUserName(HTTPBasic):
    """An API key (`tpk_live_...`, `tpk_test_...`) as the HTTP Basic user name (password empty):
    `curl -u '<api_key>:'`. Answers the user name ("" when the header cannot be read), or None
    when the request carries no Basic credentials."""

    async def __call__(self, request: Request) -> str | None:  # type: ignore[override]
        scheme, value = get_authorization_scheme_param(request.headers.get("authorization"))
        if scheme.lower() != "basic":
            return None
        try:
            return base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return ""


api_key = ApiKeyUserName(
    scheme_name="APIKey",
    description="An API key (from `peerx accounts create`) as the Basic auth user name, password empty. "
    "Accepted by /charge and /p2p/charge only; an API key never acts as a user.",
    auto_error=False,
)


async def token_user(session: AsyncSession, token: str | None, scopes: list[str]) -> oauth.TokenUser:
    """The user behind a bearer token that holds every scope in `scopes`."""
    if token is None or not token.strip():
        raise Unauthorized("A bearer access token is required.")
    return await oauth.bearer_user(session, token.strip(), scopes)


def remember_shape(request: Request, user: oauth.TokenUser) -> oauth.TokenUser:
    """The caller's API shape, from its token's client, for the answer (shapes.Reshape)."""
    setattr(request.state, SHAPE_KEY, user.client.shape)
    return user


async def bearer_user(
    request: Request,
    security_scopes: SecurityScopes,
    session: Session,
    token: Annotated[str | None, Depends(oauth2)],
) -> oauth.TokenUser:
    return remember_shape(request, await token_user(session, token, security_scopes.scopes))


User = Annotated[oauth.TokenUser, Security(bearer_user, scopes=[API_SCOPE])]
# The token alone (the card payments authenticate inside their own units of work).
BearerToken = Annotated[str | None, Security(oauth2, scopes=[API_SCOPE])]


async def charge_caller(
    request: Request,
    session: Session,
    token: Annotated[str | None, Security(oauth2, scopes=[API_SCOPE])],
    key: Annotated[str | None, Security(api_key)],
) -> None:
    """/charge: a user's bearer token, or an API key as the Basic auth user name."""
    if key is None:
        remember_shape(request, await token_user(session, token, [API_SCOPE]))
        return
    if key.startswith(API_KEY_PREFIXES) and await authenticate(session, surface=SURFACE, plaintext=key):
        return
    raise Unauthorized("Invalid API key.")


ChargeCaller = Security(charge_caller)


def actor(user: oauth.TokenUser) -> Actor:
    return Actor(user.user.id, user.livemode, user.client.client_id, user.client.party_id)


# ---------------------------------------------------------------- Idempotency-Key


def idempotency_key(
    key: Annotated[
        IdempotencyKeyText | None,
        Header(
            alias="Idempotency-Key",
            description="Retry safely: the same key with the same request replays the first answer "
            "(24 hours, per user); the same key with another request is `idempotency_key_reused`.",
        ),
    ] = None,
) -> str | None:
    """Declares (and checks) the header; peerx.web.idempotent and the card payments read it."""
    return key


Idempotent = Depends(idempotency_key)


def user_scope(user: oauth.TokenUser) -> str:
    """Idempotency-Key per user (not per token: a refreshed token retries in the same key space)."""
    return f"trustap_user:{user.user.id}"


async def once(
    request: Request,
    session: AsyncSession,
    user: oauth.TokenUser,
    params: object,
    produce: Callable[[], Awaitable[Any]],
    status_code: int = 200,
) -> Response:
    """Run a change and answer its body, once per Idempotency-Key."""

    async def run() -> Response:
        return WireJSON(await produce(), status_code=status_code)

    return await idempotent(request, session, user_scope(user), params, run)
