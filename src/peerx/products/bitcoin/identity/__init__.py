"""Identities: accounts (a secp256k1 key), tokens, profiles, reputation and referrals."""
