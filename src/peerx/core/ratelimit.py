"""Rate limits with the `limits` library: in memory for one process, or in Redis so that every
server process shares the same counters (PEERX_REDIS_URL)."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from peerx.core.errors import RateLimited


class RateLimiter:
    def __init__(self, redis_url: str = "") -> None:
        self.storage: Storage
        if redis_url:
            self.storage = RedisStorage(redis_url.replace("redis://", "async+redis://", 1), implementation="redispy")
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
