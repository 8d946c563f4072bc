"""Errors a rail raises besides the agreed `RailUnavailable` (see base.py)."""

from __future__ import annotations

from peerx.rails.base import RailUnavailable


class PayoutNotFound(RailUnavailable):
    """The provider has no payout under this reference (or we never started one with it).

    A subclass of RailUnavailable on purpose: a caller that only knows the base contract keeps
    the hold and asks again, which is always safe (a status query can arrive before the
    provider has recorded a transfer whose POST timed out). A reconciler that catches it
    specifically, once the payout is old enough, may `send` again with the *same* reference:
    the provider either creates the payout now or reports the one it already has.
    """
