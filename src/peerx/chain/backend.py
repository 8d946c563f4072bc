"""One interface for every chain backend. Methods take the caller's unit of work: the sandbox
chain lives in the same database and commits with the product's state; remote backends ignore
it (they never hold row locks, only the request's transaction while they wait)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class AddressOutput:
    txid: str
    vout: int
    value: int
    height: int | None  # None: in the mempool


class ChainBackend(Protocol):
    name: str

    async def tip_height(self, session: AsyncSession) -> int: ...

    async def address_outputs(self, session: AsyncSession, address: str) -> list[AddressOutput]:
        """Every output ever paid to `address` (spent or not), mempool included."""
        ...

    async def get_tx(self, session: AsyncSession, txid: str) -> dict[str, Any] | None:
        """The transaction in Esplora's shape, or None when unknown."""
        ...

    async def broadcast(self, session: AsyncSession, raw_hex: str) -> str:
        """Relay a signed transaction; returns its txid or raises TransactionRejected."""
        ...

    async def fee_estimates(self, session: AsyncSession) -> dict[str, Decimal]:
        """sat/vB in mempool.space's shape: fastestFee, halfHourFee, hourFee, economyFee, minimumFee."""
        ...


def confirmations(height: int | None, tip: int) -> int:
    return 0 if height is None else max(0, tip - height + 1)
