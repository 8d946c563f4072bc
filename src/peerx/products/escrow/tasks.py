"""Escrow's jobs by kind; the composition root registers this table with the worker."""

from __future__ import annotations

from peerx.core.jobs import TaskTable
from peerx.products.escrow import jobs, payouts

TASKS: TaskTable = {
    "escrow.carrier_poll": jobs.carrier_poll,
    "escrow.card_refund": jobs.card_refund,
    "escrow.payout": payouts.run_payout,
    **{kind: jobs.deadline_handler(act) for kind, act in jobs.DEADLINES.items()},
}
