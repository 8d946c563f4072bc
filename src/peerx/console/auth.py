"""Who is signed in to the console: sessions in a signed cookie, and `require(*roles)` for every
screen. The accounts and their credentials (passwords, TOTP, lockout) are ops/operators'.

The cookie holds only the operator id, a per-operator nonce (changed on logout and lockout, which
ends every session of that operator), the CSRF token and timestamps: no role, which is read
from the database on each request so a demotion takes effect at once."""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.ops.operators.models import ADMIN, FINANCE, REVIEWER, VIEWER, Operator
from peerx.web import Session

# Roles that may open a page; admin may always, so it is never listed.
EVERYONE = (VIEWER, REVIEWER, FINANCE)
FINANCE_READERS = (VIEWER, FINANCE)  # money screens: read by viewers, acted on by finance

IDLE_LIMIT_SECONDS = 30 * 60
SESSION_LIMIT_SECONDS = 12 * 60 * 60


class LoginRequired(Exception):
    """No valid session: the console answers with a redirect to the login page."""


class NotAllowed(Exception):
    """A valid session whose role may not open this page: the console answers 403."""


class PasswordChangeRequired(Exception):
    """Signed in with the generated one-time password: the console sends the operator to choose one."""


# ---------------------------------------------------------------- the session cookie


def start_pending(request: Request, operator: Operator) -> None:
    """Password accepted; the TOTP step is next. A fresh session, so no pre-login state survives."""
    request.session.clear()
    request.session.update({"pending": operator.id, "nonce": operator.session_nonce, "csrf": secrets.token_urlsafe(32)})


def start_session(request: Request, operator: Operator) -> None:
    now = int(time.time())
    request.session.clear()
    request.session.update(
        {"op": operator.id, "nonce": operator.session_nonce, "csrf": secrets.token_urlsafe(32), "at": now, "seen": now}
    )


async def pending_operator(request: Request, session: AsyncSession) -> Operator | None:
    """The operator whose password was accepted and whose TOTP step is due, unless a lock or a
    logout everywhere has happened since (the nonce changed)."""
    operator_id = request.session.get("pending")
    operator = await session.get(Operator, operator_id) if isinstance(operator_id, int) else None
    if operator is None or not secrets.compare_digest(operator.session_nonce, request.session.get("nonce", "")):
        return None
    return operator


async def end_session(request: Request, session: AsyncSession, operator: Operator) -> None:
    operator.session_nonce = secrets.token_hex(16)  # also ends copies of the cookie elsewhere
    request.session.clear()


async def current_operator(request: Request, session: AsyncSession) -> Operator | None:
    data = request.session
    operator_id, now = data.get("op"), int(time.time())
    if not isinstance(operator_id, int):
        return None
    if now - int(data.get("at", 0)) > SESSION_LIMIT_SECONDS or now - int(data.get("seen", 0)) > IDLE_LIMIT_SECONDS:
        data.clear()
        return None
    operator = await session.get(Operator, operator_id)
    if (
        operator is None
        or operator.disabled
        or not secrets.compare_digest(operator.session_nonce, data.get("nonce", ""))
    ):
        data.clear()
        return None
    if now - int(data["seen"]) > 60:
        data["seen"] = now  # re-signs the cookie: the idle limit counts from the last request
    return operator


@dataclass(frozen=True)
class SignedIn:
    id: int
    email: str
    role: str


@dataclass(frozen=True)
class Guard:
    roles: tuple[str, ...]

    def allows(self, role: str) -> bool:
        return role == ADMIN or role in self.roles


async def signed_in(request: Request, session: Session) -> Operator:
    """Any logged-in operator, one-time password or not (the password page itself)."""
    operator = await current_operator(request, session)
    if operator is None:
        raise LoginRequired()
    # A plain copy for the page: still readable after the request's transaction rolled back.
    request.state.operator = SignedIn(operator.id, operator.email, operator.role)
    return operator


def require(*roles: str) -> Callable[[Request, Session], Awaitable[Operator]]:
    """A FastAPI dependency giving the logged-in Operator whose role is one of `roles` (admin
    always passes). No session: LoginRequired (a redirect); still on the one-time password:
    PasswordChangeRequired (a redirect to choose one); another role: NotAllowed (403)."""
    guard = Guard(roles)

    async def dependency(request: Request, session: Session) -> Operator:
        operator = await signed_in(request, session)
        if operator.password_changed_at is None:
            raise PasswordChangeRequired()
        if not guard.allows(operator.role):
            raise NotAllowed()
        return operator

    return dependency


def login_url(request: Request) -> str:
    """The login page, remembering where the operator was going (a path on this console only)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{console_root(request)}/login?next={quote(target)}"


def console_root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def safe_next(request: Request, raw: str | None) -> str:
    """Only a path inside the console: never another site (an open redirect)."""
    root = console_root(request)
    if raw and raw.startswith(f"{root}/") and not raw.startswith("//") and not urlsplit(raw).netloc:
        return raw
    return f"{root}/"
