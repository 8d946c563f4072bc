"""Rate limits with the `limits` library: in memory for one process, or in Redis so that every
server process shares the same counters (PEERX_REDIS_URL).

Login lockout is kept in the database instead (`login_gate`): it must follow the platform clock
(like every other timer), hold across server processes with or without Redis, and count racing
guesses under a row lock, which a check-then-hit on a `limits` counter cannot."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base, dialect_insert, utcnow
from peerx.core.errors import RateLimited
from peerx.core.secrets import keyed_hash


class RateLimiter:
    def __init__(self, redis_url: str = "") -> None:
        self.storage: Storage
        self._pool: ConnectionPool | None = None
        if redis_url:
            # Our own pool, so shutdown can close its connections.
            self._pool = ConnectionPool.from_url(redis_url)
            self.storage = RedisStorage(
                "async+" + redis_url,
                implementation="redispy",
                connection_pool=self._pool,  # type: ignore[arg-type]  # accepted, though typed as primitives
            )
        else:
            self.storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self.storage)

    async def check(self, limit: str, *identifiers: str) -> None:
        """Count one hit; raise RateLimited (with seconds until a slot frees) when over `limit`."""
        item = parse(limit)
        if await self._limiter.hit(item, *identifiers):
            return
        stats = await self._limiter.get_window_stats(item, *identifiers)
        raise RateLimited(retry_after=max(1, math.ceil(stats.reset_time - time.time())))

    async def reset(self) -> None:
        await self.storage.reset()

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


# ---------------------------------------------------------------- login lockout


class LoginThrottle(Base):
    """Failed sign-ins of one subject: an email as typed at a login form (an account or not), or
    a client address. The key is a keyed hash, so emails anyone typed are never stored readable."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_ends_at: Mapped[datetime | None]  # failures count until then; a later one starts anew
    locked_until: Mapped[datetime | None]


@dataclass(frozen=True)
class LockoutRule:
    """`failures` failed attempts within `window` refuse every attempt, right or wrong, for `lock`."""

    failures: int
    window: timedelta
    lock: timedelta


class LoginGate:
    """The throttle rows of one login attempt, locked for its unit of work."""

    def __init__(self, rows: list[tuple[str, LoginThrottle, LockoutRule]], now: datetime) -> None:
        self._rows = rows
        self._now = now

    @property
    def locked(self) -> bool:
        return any(self._locked(row) for _, row, _ in self._rows)

    def _locked(self, row: LoginThrottle) -> bool:
        return row.locked_until is not None and row.locked_until > self._now

    def failed(self) -> bool:
        """Count one failure against every subject; True when it locked one of them."""
        locked_now = False
        for _, row, rule in self._rows:
            if row.window_ends_at is None or row.window_ends_at <= self._now:
                row.failures, row.window_ends_at = 0, self._now + rule.window
            row.failures += 1
            if row.failures >= rule.failures:
                row.locked_until = self._now + rule.lock
                row.failures, row.window_ends_at = 0, None
                locked_now = True
        return locked_now

    async def succeeded(self, session: AsyncSession, *, forget: str) -> None:
        """A correct login: the subject `forget` (the account) starts over. Other subjects (an
        address) keep their count, so logging into one's own account between guesses at others
        resets nothing; rows left with nothing to remember are deleted."""
        for subject, row, _ in self._rows:
            if subject == forget or not (self._locked(row) or self._counting(row)):
                await session.delete(row)

    def _counting(self, row: LoginThrottle) -> bool:
        return row.failures > 0 and row.window_ends_at is not None and row.window_ends_at > self._now


def throttle_key(pepper: bytes, subject: str) -> str:
    return keyed_hash(pepper, "login-throttle:" + subject)


async def login_gate(session: AsyncSession, pepper: bytes, subjects: Mapping[str, LockoutRule]) -> LoginGate:
    """Lock (create when new) the throttle rows of `subjects`, e.g. {"trustap:account:EMAIL": rule,
    "trustap:address:IP": rule}, in key order. Racing attempts on one subject queue here, so every
    failure is counted and none is checked against a stale count (FOR UPDATE on PostgreSQL; SQLite
    transactions hold the write lock anyway). The same statements run whether an account exists."""
    keyed = sorted((throttle_key(pepper, subject), subject, rule) for subject, rule in subjects.items())
    insert = dialect_insert(session)
    for _ in range(5):
        await session.execute(
            insert(LoginThrottle)
            .values([{"key": key, "failures": 0} for key, _, _ in keyed])
            .on_conflict_do_nothing(index_elements=["key"])
        )
        found = {
            row.key: row
            for row in await session.scalars(
                select(LoginThrottle)
                .where(LoginThrottle.key.in_([key for key, _, _ in keyed]))
                .order_by(LoginThrottle.key)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        }
        if len(found) == len(keyed):
            return LoginGate([(subject, found[key], rule) for key, subject, rule in keyed], utcnow())
        # A login that held the row while we waited for it succeeded and deleted it: create it again.
    raise RuntimeError("login throttle rows keep disappearing")


async def locked_subjects(session: AsyncSession, pepper: bytes, subjects: list[str]) -> set[str]:
    """Which of `subjects` are locked now (for screens; takes no lock)."""
    by_key = {throttle_key(pepper, subject): subject for subject in subjects}
    rows = await session.scalars(
        select(LoginThrottle.key).where(LoginThrottle.key.in_(list(by_key)), LoginThrottle.locked_until > utcnow())
    )
    return {by_key[key] for key in rows}


def address_subject(host: str | None) -> str:
    """The client address a per-address limit counts: IPv6 by its /64 (one subscriber's usual
    allocation, which an attacker can rotate through freely), IPv4 as is."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
