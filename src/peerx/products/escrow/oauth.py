"""The OAuth2 authorization server users log in through (authorization code + PKCE, refresh
tokens, revocation), built on Authlib's protocol code. Authlib is synchronous, so every call into
it runs inside `AsyncSession.run_sync`: its hooks use a plain Session on the same connection and
transaction as the request (SQLAlchemy bridges the two with greenlets).

Secrets are stored as SHA-256 hashes (client secrets, codes, access and refresh tokens: all
high-entropy random strings); passwords with argon2id. Sign-in is throttled per email typed and
per client address (core's login_gate)."""

from __future__ import annotations

import asyncio
import html
import secrets as pysecrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749 import AuthorizationServer, InvalidRequestError, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session as SyncSession

from peerx.core.db import utcnow
from peerx.core.errors import Conflict, Forbidden, InvalidField, NotFound, Unauthorized
from peerx.core.parties import create_party, ensure_active
from peerx.core.ratelimit import LockoutRule, login_gate
from peerx.core.secrets import hash_api_key
from peerx.products.escrow import repository
from peerx.products.escrow.models import EscrowUser, OAuthClient, OAuthCode, OAuthToken
from peerx.products.escrow.oidc import IdTokens, OpenId
from peerx.settings import Settings

# Every scope of the public spec (components.securitySchemes.OAuth2), in its order. `openid` is
# what every API call needs; the others name what a client may do while the user is offline, and
# `profile` the user's profile claims.
SCOPES = (
    "basic_ls:offline_accept_listing",
    "basic_ls:offline_create",
    "basic_tx:offline_accept_payment",
    "basic_tx:offline_cancel",
    "basic_tx:offline_claim",
    "basic_tx:offline_complain",
    "basic_tx:offline_create_join",
    "basic_tx:offline_track",
    "openid",
    "p2p_ls:offline_create",
    "p2p_ls:offline_update",
    "p2p_tx:offline_accept_deposit",
    "p2p_tx:offline_cancel",
    "p2p_tx:offline_claim",
    "p2p_tx:offline_complain",
    "p2p_tx:offline_confirm_handover",
    "p2p_tx:offline_create_join",
    "p2p_tx:offline_set_price",
    "profile",
)
API_SCOPE = "openid"
# An authorization request without `scope` gets this (as Keycloak, Trustap's SSO, grants a client's
# default scopes), never a token that no route accepts.
DEFAULT_SCOPE = API_SCOPE
CODE_TTL = timedelta(minutes=5)
REFRESH_TTL = timedelta(days=30)
_hasher = PasswordHasher()
# Verified against when the email is unknown: the same work as a wrong password for a known one.
_DUMMY_HASH = _hasher.hash(pysecrets.token_urlsafe(16))
WRONG_LOGIN = "Wrong email or password."
LOCKED_LOGIN = "Too many failed sign-in attempts. Try again later."


def _h(secret: str) -> str:
    return hash_api_key(secret)


# ---------------------------------------------------------------- what Authlib calls on our rows


def _client_methods() -> None:
    """Authlib duck-types clients, codes and tokens; the ORM rows answer its questions."""

    def get_allowed_scope(self: OAuthClient, scope: str | None) -> str:
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    OAuthClient.get_client_id = lambda self: self.client_id
    OAuthClient.get_default_redirect_uri = lambda self: self.redirect_uris[0] if self.redirect_uris else None
    OAuthClient.get_allowed_scope = get_allowed_scope
    OAuthClient.check_redirect_uri = lambda self, uri: uri in self.redirect_uris
    OAuthClient.check_client_secret = lambda self, secret: pysecrets.compare_digest(
        self.client_secret_hash, _h(secret or "")
    )
    OAuthClient.check_endpoint_auth_method = lambda self, method, endpoint: (
        method
        in (
            "client_secret_basic",
            "client_secret_post",
        )
    )
    OAuthClient.check_response_type = lambda self, response_type: response_type == "code"
    OAuthClient.check_grant_type = lambda self, grant_type: (
        grant_type
        in (
            "authorization_code",
            "refresh_token",
        )
    )

    OAuthCode.get_redirect_uri = lambda self: self.redirect_uri
    OAuthCode.get_scope = lambda self: self.scope
    OAuthCode.get_nonce = lambda self: self.nonce
    OAuthCode.get_auth_time = lambda self: int(self.created_at.timestamp())
    OAuthCode.get_acr = lambda self: None
    OAuthCode.get_amr = lambda self: []
    OAuthCode.is_expired = lambda self: self.expires_at <= utcnow()

    OAuthToken.check_client = lambda self, client: self.client_id == client.client_id
    OAuthToken.get_scope = lambda self: self.scope
    OAuthToken.get_expires_in = lambda self: int((self.expires_at - self.issued_at).total_seconds())
    OAuthToken.is_revoked = lambda self: self.access_revoked_at is not None
    OAuthToken.is_expired = lambda self: self.expires_at <= utcnow()


_client_methods()


class StarletteOAuth2Request(OAuth2Request):
    """An already-read request (query + form), so Authlib never awaits anything."""

    def __init__(self, method: str, url: str, headers: Any, args: dict[str, str], form: dict[str, str]):
        super().__init__(method, url, headers=headers)
        self._args = args
        self._form = form
        self.payload = BasicOAuth2Payload({**args, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


def _server(s: AuthorizationServer) -> Server:
    assert isinstance(s, Server)
    return s


class RequiredPKCE(CodeChallenge):
    """PKCE for every client, confidential ones too (OAuth 2.1), and S256 only: Authlib's own
    extension requires it of public clients alone and also accepts `plain`."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        now = utcnow()
        _server(self.server).db.add(
            OAuthCode(
                code_hash=_h(code),
                client_id=request.client.client_id,
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri or "",
                scope=request.scope or DEFAULT_SCOPE,
                code_challenge=request.payload.data.get("code_challenge"),
                code_challenge_method=request.payload.data.get("code_challenge_method"),
                nonce=request.payload.data.get("nonce") or None,
                created_at=now,
                expires_at=now + CODE_TTL,
            )
        )
        _server(self.server).db.flush()

    def query_authorization_code(self, code: str, client: OAuthClient) -> OAuthCode | None:
        found = _server(self.server).db.scalar(
            select(OAuthCode)
            .where(OAuthCode.code_hash == _h(code), OAuthCode.client_id == client.client_id)
            .with_for_update()
        )
        if found is None or found.used_at is not None or found.expires_at <= utcnow():
            return None
        return found

    def delete_authorization_code(self, authorization_code: OAuthCode) -> None:
        authorization_code.used_at = utcnow()  # kept, marked used: a code works once

    def authenticate_user(self, authorization_code: OAuthCode) -> EscrowUser | None:
        return _server(self.server).db.get(EscrowUser, authorization_code.user_id)


class RefreshGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: each refresh token works once

    def authenticate_refresh_token(self, refresh_token: str) -> OAuthToken | None:
        found = _server(self.server).db.scalar(
            select(OAuthToken).where(OAuthToken.refresh_token_hash == _h(refresh_token)).with_for_update()
        )
        if found is None or found.refresh_revoked_at is not None:
            return None
        if found.refresh_expires_at is not None and found.refresh_expires_at <= utcnow():
            return None
        return found

    def authenticate_user(self, refresh_token: OAuthToken) -> EscrowUser | None:
        return _server(self.server).db.get(EscrowUser, refresh_token.user_id)

    def revoke_old_credential(self, refresh_token: OAuthToken) -> None:
        now = utcnow()
        refresh_token.refresh_revoked_at = now
        refresh_token.access_revoked_at = refresh_token.access_revoked_at or now


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> OAuthToken | None:
        db = _server(self.server).db
        digest = _h(token_string)
        by_access = select(OAuthToken).where(OAuthToken.access_token_hash == digest)
        by_refresh = select(OAuthToken).where(OAuthToken.refresh_token_hash == digest)
        hinted_refresh = token_type_hint == "refresh_token"  # noqa: S105 - a token type name
        first, second = (by_refresh, by_access) if hinted_refresh else (by_access, by_refresh)
        return db.scalar(first) or db.scalar(second)

    def revoke_token(self, token: OAuthToken, request: Any) -> None:
        now = utcnow()
        token.access_revoked_at = token.access_revoked_at or now
        if request.form.get("token_type_hint") != "access_token":
            token.refresh_revoked_at = token.refresh_revoked_at or now


@dataclass
class OAuthResponse:
    status: int
    body: Any
    headers: list[tuple[str, str]]


class Server(AuthorizationServer):
    def __init__(self, db: SyncSession, access_token_seconds: int, openid: OpenId | None = None):
        super().__init__(scopes_supported=list(SCOPES))
        self.db = db
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: "tpa_" + generate_token(42),
                refresh_token_generator=lambda **_: "tpr_" + generate_token(48),
                expires_generator=lambda client, grant_type: access_token_seconds,
            ),
        )
        code_extensions: list[Any] = [RequiredPKCE(required=True)]
        if openid is not None:  # ID tokens when `openid` is granted (OpenID Connect, oidc.py)
            code_extensions.append(IdTokens(db, openid))
        self.register_grant(CodeGrant, code_extensions)
        self.register_grant(RefreshGrant)
        self.register_endpoint(Revocation)

    def query_client(self, client_id: str) -> OAuthClient | None:
        return self.db.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        client: OAuthClient = request.client
        now = utcnow()
        self.db.add(
            OAuthToken(
                access_token_hash=_h(token["access_token"]),
                refresh_token_hash=_h(token["refresh_token"]) if token.get("refresh_token") else None,
                client_id=client.client_id,
                user_id=request.user.id,
                scope=token.get("scope", ""),
                livemode=client.livemode,
                issued_at=now,
                expires_at=now + timedelta(seconds=int(token["expires_in"])),
                refresh_expires_at=now + REFRESH_TTL if token.get("refresh_token") else None,
            )
        )
        self.db.flush()

    def create_oauth2_request(self, request: Any) -> Any:
        return request

    def create_json_request(self, request: Any) -> Any:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> OAuthResponse:
        return OAuthResponse(status, body, list(headers or []))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


async def token_response(
    session: AsyncSession, request: StarletteOAuth2Request, ttl: int, openid: OpenId | None = None
) -> OAuthResponse:
    def run(db: SyncSession) -> OAuthResponse:
        response: OAuthResponse = Server(db, ttl, openid).create_token_response(request)
        return response

    return await session.run_sync(run)


async def revocation_response(session: AsyncSession, request: StarletteOAuth2Request, ttl: int) -> OAuthResponse:
    def run(db: SyncSession) -> OAuthResponse:
        response: OAuthResponse = Server(db, ttl).create_endpoint_response("revocation", request)
        return response

    return await session.run_sync(run)


@dataclass(frozen=True)
class Consent:
    client_name: str
    scopes: list[str]
    error: OAuthResponse | None  # set when the request itself is invalid


async def consent(
    session: AsyncSession, request: StarletteOAuth2Request, ttl: int, openid: OpenId | None = None
) -> Consent:
    """Validate an authorization request before showing the login and consent page."""
    from authlib.oauth2 import OAuth2Error

    def run(db: SyncSession) -> Consent:
        server = Server(db, ttl, openid)
        try:
            grant = server.get_consent_grant(request=request)
        except OAuth2Error as error:
            return Consent("", [], server.handle_error_response(request, error))
        return Consent(grant.client.name, (grant.request.scope or DEFAULT_SCOPE).split(), None)

    return await session.run_sync(run)


async def authorize(
    session: AsyncSession,
    request: StarletteOAuth2Request,
    user: EscrowUser | None,
    ttl: int,
    openid: OpenId | None = None,
) -> OAuthResponse:
    """The user answered the consent page: redirect with a code, or with access_denied."""
    from authlib.oauth2 import OAuth2Error

    def run(db: SyncSession) -> OAuthResponse:
        server = Server(db, ttl, openid)
        try:
            grant = server.get_consent_grant(request=request, end_user=user)
        except OAuth2Error as error:
            response: OAuthResponse = server.handle_error_response(request, error)
            return response
        result: OAuthResponse = server.create_authorization_response(request=request, grant_user=user, grant=grant)
        return result

    return await session.run_sync(run)


def server_metadata(issuer: str) -> dict[str, Any]:
    """RFC 8414 authorization server metadata, so a client library configures itself from one URL.
    `issuer` is the surface's absolute URL; every endpoint is under it."""
    client_auth = list(CodeGrant.TOKEN_ENDPOINT_AUTH_METHODS)
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth2/authorize",
        "token_endpoint": f"{issuer}/oauth2/token",
        "revocation_endpoint": f"{issuer}/oauth2/revoke",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": client_auth,
        "revocation_endpoint_auth_methods_supported": list(Revocation.CLIENT_AUTH_METHODS),
        "code_challenge_methods_supported": list(RequiredPKCE.SUPPORTED_CODE_CHALLENGE_METHOD),
        "service_documentation": f"{issuer}/docs",
    }


# ---------------------------------------------------------------- users, clients, bearer tokens


@dataclass(frozen=True)
class TokenUser:
    user: EscrowUser
    token: OAuthToken
    client: OAuthClient

    @property
    def livemode(self) -> bool:
        return self.token.livemode


async def bearer_user(session: AsyncSession, plaintext: str, scopes: Sequence[str] = (API_SCOPE,)) -> TokenUser:
    """The user of a live access token holding every scope in `scopes` (403 insufficient_scope)."""
    token = await repository.token_by_access_hash(session, _h(plaintext))
    if token is None or token.access_revoked_at is not None or token.expires_at <= utcnow():
        raise Unauthorized("The access token is invalid, expired or revoked.")
    granted = token.scope.split()
    for scope in scopes:
        if scope not in granted:
            error = Forbidden(f"The access token lacks the {scope} scope.")
            error.details["code"] = "insufficient_scope"
            raise error
    user = await repository.user(session, token.user_id)
    client = await repository.client(session, token.client_id)
    if user is None or client is None:
        raise Unauthorized("The access token is invalid, expired or revoked.")
    await ensure_active(session, client.party_id)  # the client's account is not suspended
    return TokenUser(user, token, client)


@dataclass(frozen=True)
class LoginLimits:
    pepper: bytes  # throttle rows are keyed by a keyed hash of the email or address
    account: LockoutRule
    address: LockoutRule


def login_limits(settings: Settings, pepper: bytes) -> LoginLimits:
    window = timedelta(seconds=settings.trustap_login_window_seconds)
    lock = timedelta(seconds=settings.trustap_login_lock_seconds)
    return LoginLimits(
        pepper,
        account=LockoutRule(settings.trustap_login_account_failures, window, lock),
        address=LockoutRule(settings.trustap_login_address_failures, window, lock),
    )


class LoginRefused(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


async def login(session: AsyncSession, email: str, password: str, *, address: str, limits: LoginLimits) -> EscrowUser:
    """The authorize page's sign-in. Raises LoginRefused: 401 for a wrong email or password (the
    failure is counted; the caller commits it), 429 while the email or the address is locked. An
    unknown email is verified against a dummy hash, counted and locked exactly like a known one."""
    email = email.strip().lower()
    account = f"trustap:account:{email}"
    gate = await login_gate(
        session, limits.pepper, {account: limits.account, f"trustap:address:{address}": limits.address}
    )
    if gate.locked:
        raise LoginRefused(LOCKED_LOGIN, 429)  # nothing checked: the right password is refused too
    user = await repository.user_by_email(session, email)
    right = await _verify(_DUMMY_HASH if user is None else user.password_hash, password)
    if user is None or not right:
        gate.failed()
        raise LoginRefused(WRONG_LOGIN, 401)
    await gate.succeeded(session, forget=account)
    return user


async def _verify(password_hash: str, password: str) -> bool:
    # Argon2 is deliberately slow: in a thread, so the server's other requests go on meanwhile.
    try:
        return await asyncio.to_thread(_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def create_user(
    session: AsyncSession, *, email: str, password: str, first: str = "", last: str = ""
) -> EscrowUser:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise InvalidField("email", "must be an email address")
    if len(password) < 8:
        raise InvalidField("password", "must be at least 8 characters")
    if await repository.user_by_email(session, email) is not None:
        raise Conflict(f"a user with email {email} already exists")
    user = EscrowUser(
        email=email,
        password_hash=_hasher.hash(password),
        first_name=first.strip(),
        last_name=last.strip(),
        personal={},
        created_at=utcnow(),
    )
    session.add(user)
    await session.flush()
    return user


# The API shapes a client's responses take (shapes.py): the Trustap document's, byte for byte as
# always, or the public OpenAPI description's schemas.
SHAPES = ("document", "openapi")
DEFAULT_SHAPE = "document"


async def create_client(
    session: AsyncSession,
    *,
    name: str,
    redirect_uris: list[str],
    livemode: bool = True,
    shape: str = DEFAULT_SHAPE,
) -> tuple[OAuthClient, str]:
    """A registered client (an integrator): its secret exists in the clear only in the answer.
    The client gets a party of its own, which owns its webhook endpoints."""
    if not name.strip():
        raise InvalidField("name", "is required")
    if shape not in SHAPES:
        raise InvalidField("shape", f"must be one of {', '.join(SHAPES)}")
    for uri in redirect_uris:
        if not uri.startswith(("https://", "http://localhost", "http://127.0.0.1")):
            raise InvalidField("redirect_uri", "must be https (or http on localhost)")
    if not redirect_uris:
        raise InvalidField("redirect_uri", "is required")
    party = await create_party(session, name=name.strip(), email="")
    secret = "tps_" + generate_token(40)
    client = OAuthClient(
        client_id="tpc_" + generate_token(20),
        client_secret_hash=_h(secret),
        name=name.strip(),
        party_id=party.id,
        redirect_uris=redirect_uris,
        scope=" ".join(SCOPES),
        livemode=livemode,
        created_at=utcnow(),
        shape=shape,
    )
    session.add(client)
    await session.flush()
    return client, secret


async def issue_token(
    session: AsyncSession, *, email: str, client_id: str, scope: str, ttl: int
) -> tuple[str, OAuthToken]:
    """The operator shortcut (`peerx escrow token`): a token as if the user had consented."""
    user = await repository.user_by_email(session, email.strip().lower())
    if user is None:
        raise NotFound(f"user {email} not found")
    client = await repository.client(session, client_id)
    if client is None:
        raise NotFound(f"client {client_id} not found")
    unknown = [s for s in scope.split() if s not in SCOPES]
    if unknown:
        raise InvalidField("scope", f"unknown scope {unknown[0]}")
    plaintext = "tpa_" + generate_token(42)
    now = utcnow()
    token = OAuthToken(
        access_token_hash=_h(plaintext),
        refresh_token_hash=None,
        client_id=client.client_id,
        user_id=user.id,
        scope=" ".join(scope.split()),
        livemode=client.livemode,
        issued_at=now,
        expires_at=now + timedelta(seconds=ttl),
        refresh_expires_at=None,
        access_revoked_at=None,
        refresh_revoked_at=None,
    )
    session.add(token)
    await session.flush()
    return plaintext, token


def consent_page(*, client_name: str, scopes: list[str], params: dict[str, str], error: str | None) -> str:
    """The login and consent page: server-rendered, no script; every field is escaped."""
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k not in ("email", "password", "consent")
    )
    items = "".join(f"<li>{html.escape(s)}</li>" for s in scopes)
    problem = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Sign in</title></head><body>"
        f"<h1>Sign in to allow {html.escape(client_name)}</h1>{problem}"
        f"<p>{html.escape(client_name)} asks to:</p><ul>{items}</ul>"
        f'<form method="post">{hidden}'
        '<label>Email <input name="email" type="email" autocomplete="username"></label>'
        '<label>Password <input name="password" type="password" autocomplete="current-password"></label>'
        '<button name="consent" value="allow">Allow</button>'
        '<button name="consent" value="deny">Deny</button>'
        "</form></body></html>"
    )
