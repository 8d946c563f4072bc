"""Operator accounts: who may operate peerx, with which role, and how they prove it (password,
TOTP, lockout). The console signs them in; the CLI and the console's admin screen create and
disable them."""
