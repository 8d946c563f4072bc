"""Who the operator is: argon2 passwords, a TOTP second factor (pyotp), lockout after repeated
failures, sessions in a signed cookie, and `require(*roles)` for every screen.

The lockout is kept per email typed (core's login_throttles), whether an operator has it or not:
an unknown email is counted, locked and answered exactly as a known one, so neither the answer nor
the work done tells which operator emails exist.

The cookie holds only the operator id, a per-operator nonce (changed on logout and lockout, which
ends every session of that operator), the CSRF token and timestamps: no role, which is read
from the database on each request so a demotion takes effect at once."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from fastapi import Request
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.console.models import ROLES, Operator
from peerx.core.db import utcnow
from peerx.core.errors import Conflict, InvalidField, NotFound
from peerx.core.ratelimit import LockoutRule, LoginGate, locked_subjects, login_gate
from peerx.core.secrets import FieldCipher
from peerx.platform import Platform
from peerx.web import Session

VIEWER, REVIEWER, FINANCE, ADMIN = ROLES
# Roles that may open a page; admin may always, so it is never listed.
EVERYONE = (VIEWER, REVIEWER, FINANCE)
FINANCE_READERS = (VIEWER, FINANCE)  # money screens: read by viewers, acted on by finance

MIN_PASSWORD_LENGTH = 12  # NIST SP 800-63B asks at least 8 of a chosen password; operators move money
# 5 failures (password or code) within a day lock the email for 15 minutes; a full login clears them.
LOCKOUT = LockoutRule(failures=5, window=timedelta(hours=24), lock=timedelta(minutes=15))
IDLE_LIMIT_SECONDS = 30 * 60
SESSION_LIMIT_SECONDS = 12 * 60 * 60
TOTP_CONTEXT = "console.totp"
ISSUER = "peerx console"

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) defaults
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class LoginRequired(Exception):
    """No valid session: the console answers with a redirect to the login page."""


class NotAllowed(Exception):
    """A valid session whose role may not open this page: the console answers 403."""


class PasswordChangeRequired(Exception):
    """Signed in with the generated one-time password: the console sends the operator to choose one."""


class LoginFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


GENERIC_FAILURE = "Wrong email, password or code."
LOCKED_FAILURE = "Too many failed attempts: this account is locked for a while. Try again later."


# ---------------------------------------------------------------- operator accounts


async def create_operator(platform: Platform, session: AsyncSession, *, email: str, role: str) -> dict[str, Any]:
    """A new operator with a generated one-time password and TOTP secret, both shown once."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise InvalidField("email", "must be an email address")
    if role not in ROLES:
        raise InvalidField("role", f"must be one of {', '.join(ROLES)}")
    if await session.scalar(select(func.count()).where(Operator.email == email)):
        raise Conflict(f"an operator with email {email} already exists")
    password = secrets.token_urlsafe(18)
    totp_secret = pyotp.random_base32()
    operator = Operator(
        email=email,
        role=role,
        password_hash=_hasher.hash(password),
        totp_secret_encrypted=platform.keys.cipher.encrypt(totp_secret, context=TOTP_CONTEXT),
        totp_last_step=0,
        session_nonce=secrets.token_hex(16),
        disabled=False,
        created_at=utcnow(),
    )
    session.add(operator)
    await session.flush()
    return {
        "id": operator.id,
        "email": email,
        "role": role,
        "password": password,
        "totp_secret": totp_secret,
        "totp_uri": pyotp.TOTP(totp_secret).provisioning_uri(name=email, issuer_name=ISSUER),
    }


async def disable_operator(platform: Platform, session: AsyncSession, *, email: str) -> dict[str, Any]:
    """Offboarding: the operator can no longer log in, and every open session of theirs ends now."""
    operator = await _locked_operator(session, email)
    if operator is None:
        raise NotFound(f"no operator with email {email.strip().lower()}")
    operator.disabled = True
    operator.session_nonce = secrets.token_hex(16)
    return {"id": operator.id, "email": operator.email, "role": operator.role, "disabled": True}


def account_view(operator: Operator, *, locked: bool) -> dict[str, Any]:
    """An operator account as the admin's screen shows it: never a hash or a secret."""
    return {
        "id": operator.id,
        "email": operator.email,
        "role": operator.role,
        "state": "disabled" if operator.disabled else "locked" if locked else "active",
        "last_login_at": operator.last_login_at,
        "created_at": operator.created_at,
    }


async def list_operators(session: AsyncSession, pepper: bytes) -> list[dict[str, Any]]:
    operators = list(await session.scalars(select(Operator).order_by(Operator.email)))
    locked = await locked_subjects(session, pepper, [_subject(o.email) for o in operators])
    return [account_view(o, locked=_subject(o.email) in locked) for o in operators]


async def is_locked(session: AsyncSession, pepper: bytes, email: str) -> bool:
    return bool(await locked_subjects(session, pepper, [_subject(email)]))


def _subject(email: str) -> str:
    return f"console:account:{email.strip().lower()}"


async def _gate(session: AsyncSession, pepper: bytes, email: str) -> LoginGate:
    return await login_gate(session, pepper, {_subject(email): LOCKOUT})


async def _locked_operator(session: AsyncSession, email: str) -> Operator | None:
    # FOR UPDATE: concurrent wrong guesses are counted one after another, none lost.
    return await session.scalar(
        select(Operator)
        .where(Operator.email == email.strip().lower())
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _count_failure(session: AsyncSession, gate: LoginGate, email: str) -> None:
    if gate.failed():
        # The lock ends the operator's sessions and any half-finished login. One statement for
        # every email, matching no row when it is nobody's: the same work either way.
        await session.execute(
            update(Operator).where(Operator.email == email.strip().lower()).values(session_nonce=secrets.token_hex(16))
        )


async def check_password(session: AsyncSession, pepper: bytes, email: str, password: str) -> Operator:
    """The first factor. A failure is counted (the caller must commit it) and raises LoginFailed.
    While the email is locked nothing is checked: the answer is the same whatever was typed and
    whether or not the email is an operator's."""
    gate = await _gate(session, pepper, email)
    if gate.locked:
        raise LoginFailed(LOCKED_FAILURE)
    operator = await _locked_operator(session, email)
    # An unknown email costs the same verification as a wrong password, and is counted the same.
    right = await _verify(_DUMMY_HASH if operator is None else operator.password_hash, password)
    if operator is None or operator.disabled or not right:
        await _count_failure(session, gate, email)
        raise LoginFailed(GENERIC_FAILURE)
    if _hasher.check_needs_rehash(operator.password_hash):
        operator.password_hash = _hasher.hash(password)
    return operator


async def _verify(password_hash: str, password: str) -> bool:
    # Argon2 is deliberately slow (tens of ms of CPU): in a thread, so other requests go on.
    try:
        return await asyncio.to_thread(_hasher.verify, password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


async def change_password(
    request: Request, session: AsyncSession, operator: Operator, *, current: str, new: str, repeated: str
) -> None:
    """The operator's own choice replaces the password (the one-time one at first login). Every
    other session of theirs ends; this one goes on with the new nonce."""
    if not await _verify(operator.password_hash, current):
        raise InvalidField("current_password", "is wrong")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidField("new_password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if new == current:
        raise InvalidField("new_password", "must differ from the current password")
    if operator.email.split("@")[0].lower() in new.lower():
        raise InvalidField("new_password", "must not contain your email's name")
    if new != repeated:
        raise InvalidField("repeat_password", "does not match the new password")
    operator.password_hash = await asyncio.to_thread(_hasher.hash, new)
    operator.password_changed_at = utcnow()
    operator.session_nonce = secrets.token_hex(16)
    start_session(request, operator)


async def check_totp(
    session: AsyncSession, pepper: bytes, cipher: FieldCipher, operator_id: int, code: str
) -> Operator:
    """The second factor: the current code (or the one before or after, for clock drift), each
    accepted once. Failures count towards the same lockout as wrong passwords."""
    found = await session.get(Operator, operator_id)
    if found is None:
        raise LoginFailed(GENERIC_FAILURE)
    # The throttle row first, then the operator's, as in check_password: one lock order, no deadlock.
    gate = await _gate(session, pepper, found.email)
    operator = await _locked_operator(session, found.email)
    if operator is None or operator.disabled:
        raise LoginFailed(GENERIC_FAILURE)
    if gate.locked:
        raise LoginFailed(LOCKED_FAILURE)
    totp = pyotp.TOTP(cipher.decrypt(operator.totp_secret_encrypted, context=TOTP_CONTEXT))
    now = utcnow()
    step = _matching_step(totp, code.strip(), int(now.timestamp()))
    if step is None or step <= operator.totp_last_step:
        await _count_failure(session, gate, operator.email)
        raise LoginFailed(GENERIC_FAILURE)
    operator.totp_last_step = step
    operator.last_login_at = now
    await gate.succeeded(session, forget=_subject(operator.email))
    return operator


def _matching_step(totp: pyotp.TOTP, code: str, at: int) -> int | None:
    if not code.isdigit():
        return None
    for drift in (0, -1, 1):
        moment = at + drift * totp.interval
        if secrets.compare_digest(totp.at(moment), code):
            return moment // totp.interval
    return None


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
