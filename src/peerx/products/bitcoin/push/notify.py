"""Push notifications to a user's devices: queued as a job in the caller's transaction, so a
notice exists exactly when the step it announces committed, and is retried until delivered
(delivery.py sends it through the configured provider)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.jobs import enqueue
from peerx.products.bitcoin.models import PeachJob


async def notify(session: AsyncSession, user_id: int, event: str, data: dict[str, str]) -> None:
    """Queue `event` (e.g. "contract.paymentMade") for `user_id`. FCM data values are strings,
    so `data` is string to string; a mistake here is the caller's bug, not the client's."""
    if not event or any(not isinstance(k, str) or not isinstance(v, str) for k, v in data.items()):
        raise ValueError("a push has an event name and string data")
    await enqueue(session, PeachJob.PUSH, {"userId": user_id, "event": event, "data": dict(data)}, max_attempts=8)
