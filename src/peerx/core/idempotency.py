"""Idempotency-Key, as Stripe does it: the first request with a key runs and its response is
stored in the same transaction as its effects; a retry with the same key and the same request
replays that response; the same key with a different request is an error. A request that fails
rolls back and stores nothing, so it may be retried with the same key. Keys live 24 hours.

Concurrency: the (scope, key) unique constraint is the lock. On PostgreSQL a second request
blocks on the first one's uncommitted insert, then sees its stored response and replays it.

A request's fingerprint is keyed (HMAC-SHA256 with the server pepper): its parameters may hold a
card number, which an unkeyed hash gives back to anyone with a database dump in a second.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base, utcnow
from peerx.core.errors import Conflict, IdempotencyMismatch, InvalidField

KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(80))  # whose key space: "credential:12"
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    # None: stored before fingerprints were keyed; the migration erased the unkeyed hash, and the
    # key replays its response without a comparison until it expires (docs/architecture.md).
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: str
    content_type: str


def fingerprint(method: str, path: str, params: object, *, key: bytes) -> str:
    """Identify a request by what it means, not its bytes (multipart boundaries differ per try),
    keyed with the server pepper (`KeyMaterial.pepper`) so the stored value gives nothing back."""
    canonical = json.dumps([method, path, params], sort_keys=True, default=str, separators=(",", ":"))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


async def reserve(session: AsyncSession, *, scope: str, key: str, request_fingerprint: str) -> StoredResponse | None:
    """Returns the stored response to replay, or None after reserving the key for this request."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidField("Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} characters")
    existing = await _find(session, scope, key)
    if existing is not None and existing.expires_at <= utcnow():
        await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == existing.id))
        existing = None
    if existing is None:
        now = utcnow()
        try:
            async with session.begin_nested():
                session.add(
                    IdempotencyRecord(
                        scope=scope, key=key, fingerprint=request_fingerprint, created_at=now, expires_at=now + KEY_TTL
                    )
                )
            return None
        except IntegrityError:
            existing = await _find(session, scope, key)  # a concurrent request just committed it
            if existing is None:
                raise
    if existing.fingerprint is not None and not hmac.compare_digest(existing.fingerprint, request_fingerprint):
        raise IdempotencyMismatch(
            "Keys for idempotent requests can only be used with the same parameters they were first used with."
        )
    if existing.status_code is None or existing.response_body is None:
        raise Conflict("A request with this Idempotency-Key is still being processed. Retry later.")
    return StoredResponse(existing.status_code, existing.response_body, existing.content_type or "application/json")


async def complete(session: AsyncSession, *, scope: str, key: str, response: StoredResponse) -> None:
    record = await _find(session, scope, key)
    assert record is not None, "complete() without reserve()"
    record.status_code = response.status_code
    record.response_body = response.body
    record.content_type = response.content_type
    await session.flush()


async def purge_expired(session: AsyncSession) -> int:
    result = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


async def _find(session: AsyncSession, scope: str, key: str) -> IdempotencyRecord | None:
    return await session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )
