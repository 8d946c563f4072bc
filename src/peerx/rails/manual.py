"""The manual rail: for live payouts where no connector is configured. Nothing is sent; the
payout stays pending (funds held) until an operator pays it by hand and settles it."""

from __future__ import annotations

from peerx.rails.payouts import PayoutRequest, PayoutResult, PayoutStatus


class ManualRail:
    name = "manual"

    async def send(self, request: PayoutRequest) -> PayoutResult:
        return PayoutResult(PayoutStatus.PENDING)

    async def status(self, request: PayoutRequest) -> PayoutResult:
        return PayoutResult(PayoutStatus.PENDING)
