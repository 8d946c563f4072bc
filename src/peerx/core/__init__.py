"""Product-agnostic platform core. Nothing here imports from peerx.products."""
