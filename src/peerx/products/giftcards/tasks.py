"""Gift cards' jobs by kind; the composition root registers this table with the worker."""

from __future__ import annotations

from peerx.core.jobs import TaskTable
from peerx.products.giftcards import payouts

TASKS: TaskTable = {
    "giftcards.payout": payouts.run_payout,
    "giftcards.sandbox_resolve": payouts.resolve_sandbox_trade,
}
