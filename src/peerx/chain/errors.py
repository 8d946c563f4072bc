"""Chain errors carry stable codes like core errors; each surface maps them to its envelope."""

from __future__ import annotations

from peerx.core.errors import PeerxError


class TransactionRejected(PeerxError):
    """A transaction that is malformed, badly signed, spends what it may not, or double spends."""

    code = "transaction_rejected"


class ChainUnavailable(PeerxError):
    """The chain backend could not be reached or answered nonsense."""

    code = "chain_unavailable"
