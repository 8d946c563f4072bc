"""Bitcoin's jobs by kind; the composition root registers this table with the worker."""

from __future__ import annotations

from peerx.core.jobs import TaskTable
from peerx.products.bitcoin.contracts import disputes, multisig, payment
from peerx.products.bitcoin.identity import reputation
from peerx.products.bitcoin.offers import matching
from peerx.products.bitcoin.push import delivery, notify

TASKS: TaskTable = {
    reputation.REPUTATION_COPY_JOB: reputation.copy_reputation_job,
    matching.DEADLINE_JOB: payment.payment_deadline,
    payment.BATCH_JOB: payment.release_batch,
    disputes.PAYOUT_JOB: disputes.dispute_payout,
    multisig.WATCH_JOB: multisig.watch_escrow,
    notify.PUSH_JOB: delivery.deliver_push,
}
