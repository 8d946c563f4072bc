"""peerx: one core, five peer-to-peer money products."""

__version__ = "0.1.0"
