"""OAuth2 login at /oauth2 (peerx is the authorization server, Authlib's protocol code in oauth.py):
the login and consent page, the authorization code (PKCE S256), tokens and refresh, revocation.
OAuth2 speaks forms and its own error body ({"error", "error_description"}, RFC 6749), so these
routes read their form and query as Authlib expects them; the OpenAPI documents both. A control
character in a form field, and an OAuth2 parameter outside what RFC 6749 allows, are refused before
Authlib sees them, in the Trustap envelope, as the edge refuses a control character in the query."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from authlib.oauth2.rfc6749.errors import InsecureTransportError
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import Headers

from peerx.core.encoding import dumps
from peerx.core.errors import InvalidField, PeerxError
from peerx.core.ratelimit import address_subject
from peerx.platform import Platform
from peerx.products.escrow import oauth, oidc
from peerx.products.escrow.deps import User
from peerx.products.escrow.errors import documented
from peerx.products.escrow.schemas import Error, OAuthError, OAuthToken
from peerx.web import PlatformDep, Session, WireJSON, wire_router
from peerx.wire import forbidden_character

router = wire_router(tags=["OAuth2"])

MAX_FIELDS = 50


async def oauth_request(request: Request) -> oauth.StarletteOAuth2Request:
    """The request as Authlib reads it: query and (for POST) urlencoded form fields."""
    form: dict[str, str] = {}
    if request.method == "POST":
        async with request.form(max_files=0, max_fields=MAX_FIELDS) as data:
            form = {k: v for k, v in data.items() if isinstance(v, str)}
    for name, value in form.items():
        if forbidden_character(name) or forbidden_character(value):
            shown = "".join("?" if forbidden_character(ch) else ch for ch in name)[:60] or "form"
            raise InvalidField(shown, "must not contain control characters")
    for name, value in (*request.query_params.items(), *form.items()):
        problem = protocol_value_problem(name, value)
        if problem is not None:
            raise InvalidField(name, problem)
    try:
        return oauth.StarletteOAuth2Request(
            request.method, str(request.url), readable_headers(request), dict(request.query_params), form
        )
    except InsecureTransportError:
        # Plain http on a host that is not loopback: Authlib refuses (it was a 500 here).
        refused = PeerxError("OAuth 2 requires https: serve peerx behind TLS (docs/escrow.md).")
        refused.details.update(status=400, code="insecure_transport")
        raise refused from None


# OAuth2's own parameters are ASCII (RFC 6749 Appendix A); a redirect URI, a response type and
# scopes have no quote or backslash either. Authlib echoes some of them in its error descriptions,
# which RFC 6749 restricts to that set, and raises (a 500) when a value falls outside it.
PROTOCOL_PARAMETERS = frozenset(
    {
        "response_type",
        "client_id",
        "client_secret",
        "redirect_uri",
        "scope",
        "state",
        "code",
        "code_challenge",
        "code_challenge_method",
        "code_verifier",
        "grant_type",
        "refresh_token",
        "token",
        "token_type_hint",
        "nonce",
    }
)
MAX_NONCE = 255  # OAuthCode.nonce
NO_QUOTES = frozenset({"response_type", "redirect_uri", "scope"})


def protocol_value_problem(name: str, value: str) -> str | None:
    """Why an OAuth2 parameter's value is not one RFC 6749 allows (None when it is). The login
    form's own fields (email, password, consent) are not OAuth2's and may be any text."""
    if name not in PROTOCOL_PARAMETERS:
        return None
    if any(not " " <= ch <= "~" for ch in value):
        return "must be printable ASCII, as OAuth2 (RFC 6749) defines it"
    if name in NO_QUOTES and ('"' in value or "\\" in value):
        return "must not contain quotes or backslashes (RFC 6749)"
    if name == "nonce" and len(value) > MAX_NONCE:
        return f"must be at most {MAX_NONCE} characters"
    return None


def readable_headers(request: Request) -> Headers:
    """The headers, without Basic client credentials that are not UTF-8 (Authlib decodes them
    unguarded, a 500): the client then has no credentials, which Authlib answers invalid_client."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return request.headers
    try:
        base64.b64decode(value.strip()).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return Headers(raw=[(k, v) for k, v in request.headers.raw if k.lower() != b"authorization"])
    return request.headers


def oauth_response(result: oauth.OAuthResponse) -> Response:
    headers = {k: v for k, v in result.headers if k.lower() != "content-type"}
    if 300 <= result.status < 400:
        return RedirectResponse(headers.pop("Location"), status_code=result.status, headers=headers)
    body = result.body if isinstance(result.body, str) else dumps(result.body)
    return Response(body, result.status, media_type="application/json", headers=headers)


# ---------------------------------------------------------------- the OpenAPI's description

AUTHORIZE_QUERY = [
    ("response_type", True, "Always `code`.", {"type": "string", "enum": ["code"]}),
    ("client_id", True, "The client's id (`tpc_...`), registered by the operator.", {"type": "string"}),
    ("redirect_uri", False, "One of the client's registered redirect URIs, exactly.", {"type": "string"}),
    ("scope", False, "Space-separated scopes; every user route requires `openid`.", {"type": "string"}),
    ("state", False, "Returned unchanged with the code.", {"type": "string"}),
    ("code_challenge", True, "PKCE: BASE64URL(SHA256(code_verifier)).", {"type": "string"}),
    ("code_challenge_method", True, "PKCE: `S256` only.", {"type": "string", "enum": ["S256"]}),
]


def _query(*, with_required: bool) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "query", "required": required and with_required, "description": text, "schema": schema}
        for name, required, text, schema in AUTHORIZE_QUERY
    ]


def _form(properties: dict[str, Any], required: list[str], example: dict[str, str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required, "examples": [example]}
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


HTML = {"text/html": {"schema": {"type": "string"}}}
OAUTH_OR_TRUSTAP = _json({"anyOf": [_ref("OAuthError"), _ref("Error")]})
REFUSED = {
    "description": "An invalid request: OAuth2's error body (RFC 6749), or the Trustap envelope when the "
    "request is refused before OAuth2 reads it (a control character, a parameter outside RFC 6749's "
    "characters, a malformed form, plain http: `insecure_transport`).",
    "content": OAUTH_OR_TRUSTAP,
}
CLIENT_AUTH = {
    "description": "The client is unknown or its credentials are wrong (RFC 6749 `invalid_client`).",
    "content": _json(_ref("OAuthError")),
}
REDIRECT = {"description": "To the client's redirect URI, with `code` and `state`, or with `error`."}


# ---------------------------------------------------------------- routes


@router.get(
    "/oauth2/authorize",
    operation_id="oauth2.authorizePage",
    summary="The login and consent page",
    description="Shows the client's name and the scopes it asks for, with an email and password form "
    "(server-rendered, no script). An invalid request (unknown client, unregistered redirect URI) is "
    "answered here, never redirected.",
    response_class=HTMLResponse,
    responses={
        200: {"description": "The page.", "content": HTML},
        302: REDIRECT,
        400: REFUSED,
        401: CLIENT_AUTH,
        "default": {"description": "An error, in this API's envelope.", "content": _json(_ref("Error"))},
    },
    openapi_extra={"parameters": _query(with_required=True)},
)
async def authorize_page(request: Request, session: Session, platform: PlatformDep) -> Response:
    ttl = platform.settings.trustap_access_token_seconds
    found = await oauth.consent(session, await oauth_request(request), ttl, openid_of(request, platform))
    if found.error is not None:
        return oauth_response(found.error)
    page = oauth.consent_page(
        client_name=found.client_name, scopes=found.scopes, params=dict(request.query_params), error=None
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})


@router.post(
    "/oauth2/authorize",
    operation_id="oauth2.authorize",
    summary="Sign in and allow (or deny)",
    description="The consent page's form (the authorization request's fields travel with it). Allow with "
    "the right email and password: 302 to the redirect URI with a `code` (it works once, for 5 minutes). "
    "Deny: 302 with `error=access_denied`. A wrong email or password is 401 with the page again; after "
    "too many failures for the email or the address, 429 (docs/escrow.md, Login throttling).",
    response_class=HTMLResponse,
    responses={
        302: REDIRECT,
        400: REFUSED,
        401: {
            "description": "Wrong email or password (or an unknown client): the page again.",
            "content": {**HTML, **OAUTH_OR_TRUSTAP},
        },
        429: {"description": "Too many failed sign-ins: the page again, with no password checked.", "content": HTML},
        "default": {"description": "An error, in this API's envelope.", "content": _json(_ref("Error"))},
    },
    openapi_extra={
        "parameters": _query(with_required=False),
        "requestBody": _form(
            {
                "email": {"type": "string", "format": "email"},
                "password": {"type": "string", "format": "password"},
                "consent": {"type": "string", "enum": ["allow", "deny"]},
                **{name: schema for name, _, _, schema in AUTHORIZE_QUERY},
            },
            ["consent"],
            {"email": "buyer@example.com", "password": "correct horse", "consent": "allow"},
        ),
    },
)
async def authorize(request: Request, session: Session, platform: PlatformDep) -> Response:
    ttl = platform.settings.trustap_access_token_seconds
    found_request = await oauth_request(request)
    openid = openid_of(request, platform)
    form = found_request.form
    if form.get("consent") != "allow":
        return oauth_response(await oauth.authorize(session, found_request, None, ttl, openid))
    # Behind a proxy, PEERX_TRUSTED_PROXIES makes request.client the user's address (docs/escrow.md).
    address = address_subject(request.client.host if request.client else None)
    limits = oauth.login_limits(platform.settings, platform.keys.pepper)
    try:
        user = await oauth.login(
            session, form.get("email", ""), form.get("password", ""), address=address, limits=limits
        )
    except oauth.LoginRefused as refused:
        found = await oauth.consent(session, found_request, ttl, openid)
        if found.error is not None:
            return oauth_response(found.error)
        page = oauth.consent_page(
            client_name=found.client_name, scopes=found.scopes, params=form, error=refused.message
        )
        return HTMLResponse(page, status_code=refused.status, headers={"Cache-Control": "no-store"})
    return oauth_response(await oauth.authorize(session, found_request, user, ttl, openid))


@router.post(
    "/oauth2/token",
    operation_id="oauth2.token",
    summary="Exchange a code, or refresh",
    description="`grant_type=authorization_code` (with `code`, `redirect_uri` and the PKCE `code_verifier`) "
    "or `grant_type=refresh_token` (refresh tokens are rotated: each works once). The client authenticates "
    "with HTTP Basic (`client_secret_basic`) or `client_id` and `client_secret` in the form.",
    response_model=OAuthToken,
    responses={
        400: REFUSED,
        401: {"model": OAuthError, "description": CLIENT_AUTH["description"]},  # puts OAuthError in the components
        "default": {"model": Error, "description": "An error, in this API's envelope."},
    },
    openapi_extra={
        "requestBody": _form(
            {
                "grant_type": {"type": "string", "enum": ["authorization_code", "refresh_token"]},
                "code": {"type": "string"},
                "redirect_uri": {"type": "string"},
                "code_verifier": {"type": "string"},
                "refresh_token": {"type": "string"},
                "client_id": {"type": "string"},
                "client_secret": {"type": "string"},
                "scope": {"type": "string"},
            },
            ["grant_type"],
            {
                "grant_type": "refresh_token",
                "refresh_token": "tpr_example",
                "client_id": "tpc_example",
                "client_secret": "tps_example",
            },
        )
    },
)
async def token(request: Request, session: Session, platform: PlatformDep) -> Response:
    ttl = platform.settings.trustap_access_token_seconds
    openid = openid_of(request, platform)
    return oauth_response(await oauth.token_response(session, await oauth_request(request), ttl, openid))


@router.post(
    "/oauth2/revoke",
    operation_id="oauth2.revoke",
    summary="Revoke a token (RFC 7009)",
    description="Revoking an access token without a hint also ends its refresh token. An unknown token is "
    "answered 200 as RFC 7009 requires.",
    responses={
        200: {"description": "Revoked (or unknown).", "content": _json({"type": "object"})},
        400: REFUSED,
        401: CLIENT_AUTH,
        "default": {"description": "An error, in this API's envelope.", "content": _json(_ref("Error"))},
    },
    openapi_extra={
        "requestBody": _form(
            {
                "token": {"type": "string"},
                "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"]},
                "client_id": {"type": "string"},
                "client_secret": {"type": "string"},
            },
            ["token"],
            {"token": "tpa_example", "client_id": "tpc_example", "client_secret": "tps_example"},
        )
    },
)
async def revoke(request: Request, session: Session, platform: PlatformDep) -> Response:
    ttl = platform.settings.trustap_access_token_seconds
    return oauth_response(await oauth.revocation_response(session, await oauth_request(request), ttl))


METADATA_PATH = "/.well-known/oauth-authorization-server"
OPENID_PATH = "/.well-known/openid-configuration"


def issuer_of(request: Request) -> str:
    """The surface's absolute URL as the client reached it: the route's own URL without the
    route's path (request.base_url stops at the app's root, before the surface's mount path)."""
    route_path = getattr(request.scope.get("route"), "path", "")
    return str(request.url.replace(query="")).removesuffix(route_path)


def openid_of(request: Request, platform: Platform) -> oidc.OpenId:
    """The ID tokens' issuer (as discovery prints it) and signing key."""
    return oidc.OpenId(issuer_of(request), oidc.signing_key(platform.settings))


@router.get(
    METADATA_PATH,
    operation_id="oauth2.serverMetadata",
    summary="Authorization server metadata (RFC 8414)",
    description="The issuer, the endpoints, and what they support (scopes, PKCE S256, client "
    "authentication), for OAuth2 client libraries that configure themselves from one URL. Also served at "
    "RFC 8414's own location, `/.well-known/oauth-authorization-server` followed by this surface's path.",
    responses={200: {"description": "The metadata.", "content": _json({"type": "object"})}},
)
async def server_metadata(request: Request) -> Response:
    return WireJSON(oauth.server_metadata(issuer_of(request)))


def add_root_metadata(app: FastAPI, prefix: str) -> None:
    """RFC 8414 section 3.1: the metadata of an issuer with a path is at the host's
    /.well-known/oauth-authorization-server followed by that path; the OpenID configuration
    likewise at /.well-known/openid-configuration followed by it (RFC 8414 section 5)."""

    async def at_root(request: Request) -> Response:
        return WireJSON(oauth.server_metadata(str(request.base_url).rstrip("/") + prefix))

    async def openid_at_root(request: Request) -> Response:
        return WireJSON(oidc.discovery(oauth.server_metadata(str(request.base_url).rstrip("/") + prefix)))

    app.add_api_route(METADATA_PATH + prefix, at_root, methods=["GET"], include_in_schema=False)
    app.add_api_route(OPENID_PATH + prefix, openid_at_root, methods=["GET"], include_in_schema=False)


@router.get(
    OPENID_PATH,
    operation_id="oidc.configuration",
    summary="OpenID Connect discovery",
    description="OpenID Connect Discovery 1.0: the RFC 8414 metadata with the ID tokens' signing key set "
    "(`jwks_uri`), the `userinfo_endpoint`, and the ID token's algorithm (ES256) and claims. Also served at "
    "`/.well-known/openid-configuration` followed by this surface's path.",
    responses={200: {"description": "The configuration.", "content": _json({"type": "object"})}},
)
async def openid_configuration(request: Request) -> Response:
    return WireJSON(oidc.discovery(oauth.server_metadata(issuer_of(request))))


@router.get(
    "/.well-known/jwks.json",
    operation_id="oidc.jwks",
    summary="The ID tokens' public keys (JWK Set)",
    description="The public key ID tokens are signed with (ES256, `kid` its RFC 7638 thumbprint).",
    responses={200: {"description": "The JWK Set.", "content": _json({"type": "object"})}},
)
async def jwks(platform: PlatformDep) -> Response:
    return WireJSON(oidc.public_jwks(oidc.signing_key(platform.settings)), headers={"Cache-Control": "max-age=3600"})


USERINFO = {
    "operation_id": "oidc.userinfo",
    "summary": "The logged-in user's claims (OpenID Connect UserInfo)",
    "description": "`sub` (the id the API prints as `buyer_id` / `seller_id`), and with the `profile` scope "
    "`name`, `given_name` and `family_name`. GET or POST (no body), as OpenID Connect requires.",
    "responses": {
        200: {"description": "The claims.", "content": _json({"type": "object"})},
        **documented(401, 403),
    },
}


@router.get("/userinfo", **USERINFO)  # type: ignore[arg-type]
async def userinfo(user: User) -> Response:
    return WireJSON(oidc.user_claims(user.user, user.token.scope), headers={"Cache-Control": "no-store"})


@router.post("/userinfo", include_in_schema=False)
async def userinfo_by_post(user: User) -> Response:
    return await userinfo(user)
