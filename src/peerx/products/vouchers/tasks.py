"""Voucher timers, run as jobs: one expiry timer per order, due at its exp_date. The composition
root registers TASKS with the worker."""

from __future__ import annotations

from typing import Any

from peerx.core.jobs import JobContext, TaskTable
from peerx.platform import Platform
from peerx.products.vouchers import service


async def expire_order(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as session:
        await service.expire_order(session, ctx.services.settings, payload["order_pk"])


TASKS: TaskTable = {service.EXPIRE_JOB: expire_order}
