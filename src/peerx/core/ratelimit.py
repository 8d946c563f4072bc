"""Rate limits with the `limits` library: in memory for one process, or in Redis so that every
server process shares the same counters (PEERX_REDIS_URL)."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool

from peerx.core.errors import RateLimited


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
