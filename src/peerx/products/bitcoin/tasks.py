"""Bitcoin's jobs by kind; the composition root registers this table with the worker."""

from __future__ import annotations

from peerx.core.jobs import TaskTable
from peerx.products.bitcoin import disputes, escrow, matching, notify, payment, push, reputation

TASKS: TaskTable = {
    reputation.REPUTATION_COPY_JOB: reputation.copy_reputation_job,
    matching.DEADLINE_JOB: payment.payment_deadline,
    payment.BATCH_JOB: payment.release_batch,
    disputes.PAYOUT_JOB: disputes.dispute_payout,
    escrow.WATCH_JOB: escrow.watch_escrow,
    notify.PUSH_JOB: push.deliver_push,
}
