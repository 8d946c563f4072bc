"""Remittances' jobs by kind; the composition root registers this table with the worker."""

from __future__ import annotations

from peerx.core.jobs import TaskTable
from peerx.products.remittances import payouts

TASKS: TaskTable = {
    "remittances.payout": payouts.run_payout,
    "remittances.wait": payouts.tick,
    "remittances.resume_float": payouts.resume_float,
}
