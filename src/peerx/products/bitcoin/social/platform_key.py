"""The platform's PGP key pair. GET /v1/info shows its public key; the app encrypts a disputed
contract's symmetric key (and the payment data) to it, so a mediator can read the chat.

An operator who configured `peach_pgp_public_key` keeps the secret key: that key is shown and
this server cannot decrypt. Otherwise the pair is generated on first use and stored in the
database, the secret key sealed with the platform's field cipher (peerx.core.secrets), so every
server sees the same pair; two servers creating it at once both end up with the one inserted
first. The secret key is never logged nor served."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pysequoia
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.platform import Platform
from peerx.products.bitcoin.social import repository

NAME = "pgp"
CONTEXT = "peach.platform_pgp"  # binds the sealed secret to its use
USER_ID = "Peach mediator <mediator@peerx.invalid>"


@dataclass(frozen=True)
class PlatformPgp:
    public_key: str  # armored certificate
    secret_key: str | None = None  # armored; None when the operator keeps it

    def __repr__(self) -> str:  # never print the secret key
        return f"PlatformPgp(public_key={self.public_key[:40]!r}..., secret_key={'<set>' if self.secret_key else None})"


class _Cache:
    """The process's copy of the stored pair, read once."""

    def __init__(self) -> None:
        self.value: PlatformPgp | None = None
        self.lock = asyncio.Lock()


async def platform_pgp(platform: Platform, session: AsyncSession | None = None) -> PlatformPgp:
    """The pair; read (or created) in `session` when the caller is inside a unit of work (on
    SQLite a second one would wait for the first), else in a unit of work of its own."""
    configured = platform.settings.peach_pgp_public_key
    if configured:
        return PlatformPgp(configured)
    cache = platform.extension(_Cache, _Cache)
    if cache.value is not None:
        return cache.value
    if session is not None:
        pair, created = await _load_or_create(platform, session)
        if not created:  # a pair created here is kept only once the caller's work commits
            cache.value = pair
        return pair
    async with cache.lock:
        if cache.value is None:
            async with platform.db.transaction() as own:
                cache.value, _ = await _load_or_create(platform, own)
    return cache.value


async def public_key(platform: Platform) -> str:
    return (await platform_pgp(platform)).public_key


async def _load_or_create(platform: Platform, session: AsyncSession) -> tuple[PlatformPgp, bool]:
    row = await repository.platform_key(session, NAME)
    created = row is None
    if row is None:
        # v4 (RFC 4880) Cv25519 keys: what the app's OpenPGP (react-native-fast-openpgp) reads.
        tsk = pysequoia.Tsk.generate(
            USER_ID, profile=pysequoia.Profile.RFC4880, cipher_suite=pysequoia.CipherSuite.Cv25519
        )
        sealed = platform.cipher.encrypt(str(tsk), context=CONTEXT)
        await repository.add_platform_key_once(session, NAME, str(tsk.extract_certificate()), sealed, utcnow())
        row = await repository.platform_key(session, NAME)  # ours, or the racing server's
        assert row is not None
    secret = platform.cipher.decrypt(row.secret_key_encrypted, context=CONTEXT)
    return PlatformPgp(row.public_key, secret), created


def decrypt(pair: PlatformPgp, armored: str) -> bytes | None:
    """An armored PGP message encrypted to the platform key, or None when this server holds no
    secret key or the message is not for it."""
    if pair.secret_key is None:
        return None
    try:
        tsk = pysequoia.Tsk.from_bytes(pair.secret_key.encode())
        return pysequoia.decrypt(armored.encode(), decryptor=tsk.decryptor()).bytes
    except Exception:  # pysequoia raises plain exceptions for any bad input
        return None
