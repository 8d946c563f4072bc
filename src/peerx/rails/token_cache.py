"""A bearer-token cache shared by the HTTP rails: one fetch at a time, renewed before expiry."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

# Renew this long before the provider's expires_in runs out (capped at half the lifetime), so
# a token never expires between our check and the provider's.
REFRESH_MARGIN_SECONDS = 60.0


class TokenCache:
    def __init__(
        self,
        fetch: Callable[[], Awaitable[tuple[str, float]]],
        *,
        clock: Callable[[], float] = time.monotonic,
        margin_seconds: float = REFRESH_MARGIN_SECONDS,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._margin = margin_seconds
        self._token: str | None = None
        self._valid_until = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        if self._token is not None and self._clock() < self._valid_until:
            return self._token
        async with self._lock:
            # Another task may have renewed it while we waited for the lock.
            if self._token is not None and self._clock() < self._valid_until:
                return self._token
            started = self._clock()
            token, expires_in = await self._fetch()
            self._token = token
            self._valid_until = started + expires_in - min(self._margin, expires_in / 2)
            return token

    def invalidate(self, token: str) -> None:
        """Forget `token` after the provider refused it (revoked early, clock skew)."""
        if self._token == token:
            self._token = None
            self._valid_until = 0.0
