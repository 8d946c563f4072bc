"""Operator accounts and their credentials: create and disable an account, argon2 passwords, a
TOTP second factor (pyotp) and the lockout after repeated failures. The console signs operators
in with these; the CLI and the console's admin screen create and disable them.

The lockout is kept per email typed (core's login_throttles), whether an operator has it or not:
an unknown email is counted, locked and answered exactly as a known one, so neither the answer nor
the work done tells which operator emails exist."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.errors import Conflict, InvalidField, NotFound
from peerx.core.ratelimit import LockoutRule, LoginGate, locked_subjects, login_gate
from peerx.core.secrets import FieldCipher
from peerx.ops.operators.models import ROLES, Operator
from peerx.platform import Platform


class LoginFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


GENERIC_FAILURE = "Wrong email, password or code."
LOCKED_FAILURE = "Too many failed attempts: this account is locked for a while. Try again later."

MIN_PASSWORD_LENGTH = 12  # NIST SP 800-63B asks at least 8 of a chosen password; operators move money
# 5 failures (password or code) within a day lock the email for 15 minutes; a full login clears them.
LOCKOUT = LockoutRule(failures=5, window=timedelta(hours=24), lock=timedelta(minutes=15))
TOTP_CONTEXT = "console.totp"
ISSUER = "peerx console"

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) defaults
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


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


async def change_password(operator: Operator, *, current: str, new: str, repeated: str) -> None:
    """The operator's own choice replaces the password (the one-time one at first login). The
    nonce changes, so every session of theirs ends; the caller starts the current one anew."""
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
