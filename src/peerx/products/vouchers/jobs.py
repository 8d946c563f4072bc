"""Voucher timers, run as jobs: one expiry timer per order, due at its exp_date."""

from __future__ import annotations

from typing import Any

from peerx.core.jobs import JobContext, job_handler
from peerx.platform import Platform
from peerx.products.vouchers import service


@job_handler(service.EXPIRE_JOB)
async def expire_order(ctx: JobContext, payload: dict[str, Any]) -> None:
    platform: Platform = ctx.services["platform"]
    async with ctx.db.transaction() as session:
        await service.expire_order(session, platform.settings, payload["order_pk"])
