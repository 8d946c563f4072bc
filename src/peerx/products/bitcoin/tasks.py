"""Bitcoin's jobs by kind; the composition root registers this table with the worker."""

from __future__ import annotations

from peerx.core.jobs import TaskTable
from peerx.products.bitcoin.contracts import disputes, escrow_watch, payment
from peerx.products.bitcoin.identity import reputation
from peerx.products.bitcoin.models import PeachJob
from peerx.products.bitcoin.push import delivery

TASKS: TaskTable = {
    PeachJob.COPY_REPUTATION: reputation.copy_reputation_job,
    PeachJob.PAYMENT_DEADLINE: payment.payment_deadline,
    PeachJob.RELEASE_BATCH: payment.release_batch,
    PeachJob.DISPUTE_PAYOUT: disputes.dispute_payout,
    PeachJob.WATCH_ESCROW: escrow_watch.watch_escrow,
    PeachJob.PUSH: delivery.deliver_push,
}
