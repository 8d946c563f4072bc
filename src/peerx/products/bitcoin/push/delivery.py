"""Push providers and the job that delivers a queued notice (notify.py). "log" (the default)
writes each notice to the log; "fcm" sends it through Firebase Cloud Messaging HTTP v1: an
OAuth2 access token from the service account's signed JWT assertion (RFC 7523), then
messages:send. A token FCM no longer knows is cleared from the user, as the FCM docs ask."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from peerx.core.db import utcnow
from peerx.core.jobs import JobContext, RetryLater
from peerx.platform import Platform
from peerx.products.bitcoin import repository as shared
from peerx.products.bitcoin.identity import repository as identity

log = logging.getLogger("peerx.products.bitcoin.push")  # the name operators filter on
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GOOGLE_OAUTH_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_MARGIN_SECONDS = 60  # renew an access token this long before it expires
# FCM error codes that mean the registration token is dead (not a fault of the message).
DEAD_TOKEN = {"UNREGISTERED", "INVALID_ARGUMENT", "SENDER_ID_MISMATCH"}


class PushUnavailable(Exception):
    """The provider could not take the notice now; the job retries with backoff."""

    def __init__(self, reason: str, retry_after: int | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class PushProvider(Protocol):
    async def send(self, token: str, event: str, data: dict[str, str]) -> bool:
        """Deliver; False when the device token is no longer valid."""
        ...


class LogProvider:
    async def send(self, token: str, event: str, data: dict[str, str]) -> bool:
        log.info("push %s %s (device ...%s)", event, data, token[-6:])  # never the whole token
        return True


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    private_key: str
    private_key_id: str
    token_uri: str

    @classmethod
    def parse(cls, raw: str) -> ServiceAccount:
        """The service account's JSON key, inline or as a file path."""
        if not raw.strip():
            raise ValueError("PEERX_PEACH_FCM_SERVICE_ACCOUNT is required with the fcm push provider")
        text = raw if raw.lstrip().startswith("{") else Path(raw).read_text()
        try:
            data = json.loads(text)
            return cls(
                client_email=str(data["client_email"]),
                private_key=str(data["private_key"]),
                private_key_id=str(data.get("private_key_id", "")),
                token_uri=str(data.get("token_uri") or GOOGLE_OAUTH_URI),
            )
        except (ValueError, KeyError) as exc:
            raise ValueError("the FCM service account is not a service account JSON key") from exc

    def __repr__(self) -> str:  # the private key never reaches a log
        return f"ServiceAccount({self.client_email!r})"


class FcmProvider:
    def __init__(self, http: httpx.AsyncClient, project_id: str, account: ServiceAccount, base_url: str):
        if not project_id:
            raise ValueError("PEERX_PEACH_FCM_PROJECT_ID is required with the fcm push provider")
        self.http = http
        self.account = account
        self.send_url = f"{base_url.rstrip('/')}/v1/projects/{project_id}/messages:send"
        self._key = RSAKey.import_key(account.private_key)
        self._access_token = ""
        self._expires_at = 0.0

    def assertion(self, now: int) -> str:
        claims = {
            "iss": self.account.client_email,
            "scope": FCM_SCOPE,
            "aud": self.account.token_uri,
            "iat": now,
            "exp": now + 3600,
        }
        header = {
            "alg": "RS256",
            "typ": "JWT",
            **({"kid": self.account.private_key_id} if self.account.private_key_id else {}),
        }
        return jwt.encode(header, claims, self._key)

    async def access_token(self) -> str:
        now = time.time()
        if self._access_token and now < self._expires_at - TOKEN_MARGIN_SECONDS:
            return self._access_token
        answer = await self.http.post(
            self.account.token_uri, data={"grant_type": JWT_BEARER, "assertion": self.assertion(int(now))}
        )
        if answer.status_code != 200:
            raise PushUnavailable(f"FCM token endpoint answered {answer.status_code}")
        body = answer.json()
        self._access_token = str(body["access_token"])
        self._expires_at = now + int(body.get("expires_in", 3600))
        return self._access_token

    async def send(self, token: str, event: str, data: dict[str, str]) -> bool:
        message = {
            "message": {
                "token": token,
                "data": {**data, "event": event},
                "android": {"priority": "high"},
                "apns": {"headers": {"apns-priority": "10"}},
            }
        }
        headers = {"Authorization": f"Bearer {await self.access_token()}"}
        try:
            answer = await self.http.post(self.send_url, json=message, headers=headers)
        except httpx.HTTPError as exc:
            raise PushUnavailable(f"FCM unreachable: {type(exc).__name__}") from exc
        if answer.status_code == 200:
            return True
        if answer.status_code == 401:  # revoked or expired early: a fresh token next attempt
            self._access_token = ""
            raise PushUnavailable("FCM refused the access token")
        if answer.status_code in (400, 404) and _error_code(answer) in DEAD_TOKEN:
            return False
        retry_after = answer.headers.get("retry-after", "")
        raise PushUnavailable(f"FCM answered {answer.status_code}", int(retry_after) if retry_after.isdigit() else None)


def _error_code(answer: httpx.Response) -> str:
    """FCM's own code from the error details (google.firebase.fcm.v1.FcmError), else the status."""
    try:
        error: dict[str, Any] = answer.json()["error"]
    except (ValueError, KeyError, TypeError):
        return ""
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"])
    return str(error.get("status", ""))


def provider_of(platform: Platform) -> PushProvider:
    """The process's push provider, built once and kept with the platform."""

    def build() -> PushProvider:
        s = platform.settings
        if s.peach_push_provider == "fcm":
            account = ServiceAccount.parse(s.peach_fcm_service_account)
            return FcmProvider(platform.outbound.client, s.peach_fcm_project_id, account, s.peach_fcm_url)
        return LogProvider()

    return platform.extension(PushProvider, build)  # type: ignore[type-abstract]


async def deliver_push(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as session:
        user = await shared.user(session, int(payload["userId"]))
        token = None if user is None or user.disabled else user.fcm_token
    if not token:
        return  # no device registered: nothing to deliver
    provider = provider_of(ctx.services)
    try:
        delivered = await provider.send(token, str(payload["event"]), dict(payload["data"]))
    except PushUnavailable as exc:
        if exc.retry_after is not None:
            raise RetryLater(utcnow() + timedelta(seconds=exc.retry_after), str(exc)) from exc
        raise
    if not delivered:
        async with ctx.db.transaction() as session:  # only if the app did not register a new one since
            await identity.clear_push_token(session, int(payload["userId"]), token)
        log.info("push token of user %s is no longer valid: cleared", payload["userId"])
