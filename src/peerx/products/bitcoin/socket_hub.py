"""Events pushed to connected apps (new chat messages) over their WebSockets. Each connected
WebSocket holds a queue; `publish` puts an event on every queue of the recipient. One process: a local registry. Several
processes (PEERX_REDIS_URL set): events go through one Redis pub/sub channel that every
process listens to while it has connections, so a socket on any server receives them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

from peerx.platform import Platform

log = logging.getLogger(__name__)
CHANNEL = "peerx:peach:live"
SESSION_CHANGED = {"event": "sessionChanged"}  # internal: a socket re-checks its token, sends nothing
QUEUE_SIZE = 100  # a socket that stopped reading drops events past this, never blocks others


class Hub:
    """In-process registry of connected users' queues."""

    def __init__(self) -> None:
        self._queues: dict[int, set[asyncio.Queue[dict[str, Any]]]] = {}

    def connected(self, user_id: int) -> bool:
        return bool(self._queues.get(user_id))

    @contextlib.asynccontextmanager
    async def subscribe(self, user_id: int) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._queues.setdefault(user_id, set()).add(queue)
        try:
            await self._started()
            yield queue
        finally:
            queues = self._queues.get(user_id, set())
            queues.discard(queue)
            if not queues:
                self._queues.pop(user_id, None)
            await self._idle()

    async def publish(self, user_id: int, event: dict[str, Any]) -> None:
        self.deliver(user_id, event)

    def deliver(self, user_id: int, event: dict[str, Any]) -> None:
        for queue in self._queues.get(user_id, set()):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("live queue full for user %s: event dropped", user_id)

    async def _started(self) -> None:
        """Hook for subclasses: the first subscriber arrived."""

    async def _idle(self) -> None:
        """Hook for subclasses: a subscriber left."""

    async def aclose(self) -> None:
        self._queues.clear()


class RedisHub(Hub):
    """Fan-out through Redis: publish goes to the channel; this process's listener (running while
    it has subscribers) hands each event to its local queues, its own publications included."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.redis = Redis.from_url(url)
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def publish(self, user_id: int, event: dict[str, Any]) -> None:
        await self.redis.publish(CHANNEL, json.dumps({"userId": user_id, "event": event}))

    async def _started(self) -> None:
        if self._listener is None or self._listener.done():
            self._ready.clear()
            self._listener = asyncio.create_task(self._listen())
        listener = self._listener
        ready = asyncio.ensure_future(self._ready.wait())
        # Subscribed before the socket counts as connected; a listener that failed (Redis
        # down) raises here instead of leaving the socket waiting.
        await asyncio.wait({ready, listener}, return_when=asyncio.FIRST_COMPLETED)
        if not self._ready.is_set():
            ready.cancel()
            self._listener = None
            listener.result()
            raise ConnectionError("the live event listener stopped")

    async def _idle(self) -> None:
        if not self._queues and self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    async def _listen(self) -> None:
        async with self.redis.pubsub() as pubsub:
            await pubsub.subscribe(CHANNEL)
            self._ready.set()
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    decoded = json.loads(message["data"])
                    self.deliver(int(decoded["userId"]), decoded["event"])
                except (ValueError, KeyError, TypeError):
                    log.warning("ignored a malformed live event")

    async def aclose(self) -> None:
        self._queues.clear()
        await self._idle()
        await self.redis.aclose()


def hub_of(platform: Platform) -> Hub:
    """The process's hub, built once and kept with the platform."""
    url = platform.settings.redis_url
    return platform.extension(Hub, lambda: RedisHub(url) if url else Hub())


async def socket_events(
    queue: asyncio.Queue[dict[str, Any]], reader: asyncio.Task[Any], recheck_seconds: float
) -> AsyncIterator[dict[str, Any]]:
    """A subscribed socket's events until its reader task ends (the client left), with
    SESSION_CHANGED at least every `recheck_seconds` so the socket checks its token again."""
    while not reader.done():
        getter = asyncio.ensure_future(queue.get())
        await asyncio.wait({getter, reader}, timeout=recheck_seconds, return_when=asyncio.FIRST_COMPLETED)
        if reader.done():
            getter.cancel()
            return
        event = getter.result() if getter.done() else SESSION_CHANGED
        getter.cancel()
        yield event
