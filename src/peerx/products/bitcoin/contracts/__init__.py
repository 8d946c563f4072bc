"""Contracts: a matched trade from payment to release, cancel or dispute, over the 2-of-2 multisig
escrow (multisig.py)."""
