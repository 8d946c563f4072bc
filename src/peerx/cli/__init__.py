"""The `peerx` command line: one module per noun."""
