"""Carrier tracking adapters: ask a carrier whether a parcel was delivered.

The sandbox adapter answers from the tracking code itself, for tests and demos: a code that
starts with DELIVERED is delivered, anything else is still in transit."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from peerx.core.db import utcnow


class CarrierTracker(Protocol):
    async def delivered_at(self, carrier: str, tracking_code: str) -> datetime | None: ...


class SandboxCarrier:
    async def delivered_at(self, carrier: str, tracking_code: str) -> datetime | None:
        return utcnow() if tracking_code.upper().startswith("DELIVERED") else None
