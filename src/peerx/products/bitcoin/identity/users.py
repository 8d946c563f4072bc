"""Identities: an account is a secp256k1 key. Registration and authentication by a signed
`Peach Registration <unix ms>` message; 60-minute access tokens (signed JWTs, each also kept as
a hash row so logout ends it); profile, PGP keys, blocks, what a user knows of another."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pysequoia
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.chain.keys import parse_public_key, verify_digest, verify_message
from peerx.core.db import utcnow
from peerx.core.errors import NotFound, Unauthorized
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin import repository as shared
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.identity import referrals, repository
from peerx.products.bitcoin.identity.schemas import AccessToken, AuthRequest, UpdateUserRequest, UserStatus
from peerx.products.bitcoin.models import (
    PeachAuthMessage,
    PeachBlock,
    PeachPgpKey,
    PeachReport,
    PeachToken,
    PeachUser,
)
from peerx.products.bitcoin.schemas import ReportRequest
from peerx.products.bitcoin.wire import millis

AUTH_MESSAGE = re.compile(r"^Peach Registration (\d{13})$")
PGP_MESSAGE = re.compile(r"^Peach new PGP key (\d{13})$")


def _fresh(peach: Peach, timestamp_ms: int) -> bool:
    age = abs(millis(utcnow()) - timestamp_ms)
    return age <= peach.settings.peach_auth_window_seconds * 1000


def token_key(pepper: bytes) -> bytes:
    """The HS256 key of access tokens, derived from the server's hash pepper (peerx.core.secrets:
    configured in production, generated once in embedded mode), so it needs no secret of its own
    and changes when the pepper is rotated."""
    return hmac.new(pepper, b"peerx bitcoin access tokens v1", hashlib.sha256).digest()


async def authenticate_key(
    session: AsyncSession, peach: Peach, body: AuthRequest, *, register: bool, key: bytes
) -> AccessToken:
    public_key_hex, message, signature = body.public_key, body.message, body.signature
    public_key = parse_public_key(public_key_hex)
    if public_key is None:
        raise f.FormInvalid("publicKey", "must be a compressed secp256k1 public key in hex")
    matched = AUTH_MESSAGE.match(message)
    if matched is None:
        raise f.FormInvalid("message", "must be 'Peach Registration <unix milliseconds>'")
    if not verify_message(public_key, message, signature):
        raise f.InvalidSignature("signature", "does not sign the message with this public key")
    if not _fresh(peach, int(matched.group(1))):
        raise f.AuthenticationFailed("The message is too old (or from the future): sign a new one.")
    public_key_hex = public_key_hex.lower()
    try:
        async with session.begin_nested():
            session.add(PeachAuthMessage(public_key=public_key_hex, message=message, created_at=utcnow()))
    except IntegrityError:
        raise f.AuthenticationFailed("This message was already used: sign a new one.") from None
    user = await repository.user_by_public_key(session, public_key_hex)
    if user is not None and register:
        raise f.UserExists("This public key is registered already: use user/auth.")
    if user is None:
        try:  # a racing registration of the same key may insert first: then it is that user
            async with session.begin_nested():
                user = await _create_user(session, public_key_hex, body.unique_id or None)
        except IntegrityError:
            if register:
                raise f.UserExists("This public key is registered already: use user/auth.") from None
            user = await repository.user_by_public_key(session, public_key_hex)
            assert user is not None
    if user.disabled:
        raise f.AccountBanned("This account is disabled.")
    return await _issue_token(session, peach, user, key)


async def _create_user(session: AsyncSession, public_key_hex: str, unique_id: str | None) -> PeachUser:
    now = utcnow()
    user = PeachUser(
        public_key=public_key_hex,
        unique_id=unique_id,
        referral_code=await _new_referral_code(session),
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    await session.flush()
    return user


async def _new_referral_code(session: AsyncSession) -> str:
    while True:  # 36^6 codes; a collision is rare and simply retried
        code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
        taken = await repository.user_id_with_code(session, code)
        if taken is None and await repository.old_code(session, code) is None:  # nor a redeemed-away code
            return code


async def _issue_token(session: AsyncSession, peach: Peach, user: PeachUser, key: bytes) -> AccessToken:
    """A JWT (HS256) with sub (the user id: its public key), iat, exp and a random jti. The app
    reads `exp` to renew five minutes early; with a token it cannot decode it authenticates
    again before every call. The token's hash is stored: that row, not the signature alone,
    makes it valid, so logout (which deletes the rows) ends it at once."""
    issued = int(utcnow().timestamp())  # whole seconds: `expiry` (ms) is exactly `exp` * 1000
    expires = datetime.fromtimestamp(issued, UTC) + timedelta(minutes=peach.settings.peach_token_minutes)
    claims = {
        "sub": user.public_key,
        "iat": issued,
        "exp": int(expires.timestamp()),
        "jti": str(uuid.UUID(bytes=secrets.token_bytes(16), version=4)),
    }
    token = jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, OctKey.import_key(key))
    session.add(PeachToken(token_hash=_hash(token), user_id=user.id, expires_at=expires, created_at=utcnow()))
    await session.flush()
    return AccessToken(expiry=millis(expires), access_token=token)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _signed(token: str, key: bytes) -> bool:
    """A JWT-shaped token must carry our signature; an opaque one (issued before JWTs, valid
    until it expires) has none to check."""
    if token.count(".") != 2:
        return True
    try:
        jwt.decode(token, OctKey.import_key(key), algorithms=["HS256"])
    except (JoseError, ValueError):
        return False
    return True


def token_from_header(header: str) -> str:
    """`Bearer <token>`, `Basic <token>` (what the app sends) or the bare token."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() in ("bearer", "basic") and rest:
        return rest.strip()
    return header.strip()


async def user_for_token(session: AsyncSession, header: str | None, key: bytes | None = None) -> PeachUser:
    """The account of a token: its stored row decides (so logout ends it); given the signing
    key, a JWT's signature is checked too."""
    if not header:
        raise Unauthorized("Authorization required.")
    raw = token_from_header(header)
    # AUTHENTICATION_FAILED, not UNAUTHORIZED: on that code alone the app signs in again and
    # retries (peach-api-ts src/peachAPI.ts fetchWithAuth), so a token ended early (logout
    # elsewhere, a rotated pepper) costs the app one sign-in instead of an hour of errors.
    if key is not None and not _signed(raw, key):
        raise f.AuthenticationFailed("The access token is invalid or expired.")
    token = await repository.token(session, _hash(raw))
    if token is None or token.expires_at <= utcnow():
        raise f.AuthenticationFailed("The access token is invalid or expired.")
    user = await shared.user(session, token.user_id)
    assert user is not None
    if user.disabled:
        raise f.AccountBanned("This account is disabled.")
    return user


async def logout(session: AsyncSession, user: PeachUser) -> None:
    """The document's logout unregisters push notifications; we also end every token."""
    user.fcm_token = None
    user.updated_at = utcnow()
    await repository.delete_tokens(session, user.id)


async def find_user(session: AsyncSession, user_id: str) -> PeachUser:
    user = await repository.user_by_public_key(session, user_id.lower())
    if user is None:
        raise NotFound("User not found.")
    return user


def _verify_pgp(peach: Peach, armored_key: str, message: str, pgp_signature: str) -> None:
    matched = PGP_MESSAGE.match(message)
    if matched is None or not _fresh(peach, int(matched.group(1))):
        raise f.FormInvalid("message", "must be a fresh 'Peach new PGP key <unix milliseconds>'")
    if "PRIVATE KEY" in armored_key:
        raise f.FormInvalid("pgpPublicKey", "must not contain secret key material")
    try:
        cert = pysequoia.Cert.from_bytes(armored_key.encode())
    except Exception:
        raise f.FormInvalid("pgpPublicKey", "is not an OpenPGP public key") from None
    try:
        if "BEGIN PGP SIGNATURE" in pgp_signature and "BEGIN PGP SIGNED MESSAGE" not in pgp_signature:
            pysequoia.verify(
                bytes=message.encode(),
                store=lambda _ids: [cert],
                signature=pysequoia.Sig.from_bytes(pgp_signature.encode()),
            )
        else:  # inline or cleartext-signed: the signed content must be the message
            verified = pysequoia.verify(bytes=pgp_signature.encode(), store=lambda _ids: [cert])
            if (verified.bytes or b"").strip() != message.encode():
                raise ValueError("signed content differs")
    except Exception:
        raise f.InvalidPgpSignature("pgpSignature", "is not a valid signature of the message by this key") from None


def _required(value: str | None, name: str) -> str:
    if not value:
        raise f.FormInvalid(name, "is required")
    return value


async def update_user(session: AsyncSession, peach: Peach, user: PeachUser, body: UpdateUserRequest) -> None:
    """PATCH user: an empty value ("" or null) leaves its field as it is."""
    pgp_key = body.pgp_public_key
    if pgp_key:
        message = _required(body.message, "message")
        pgp_signature = _required(body.pgp_signature, "pgpSignature")
        signature = _required(body.signature, "signature")
        account_key = parse_public_key(user.public_key)
        assert account_key is not None
        if not verify_digest(account_key, hashlib.sha256(pgp_key.encode()).digest(), signature):
            raise f.InvalidSignature("signature", "must sign sha256 of the PGP public key with the account key")
        _verify_pgp(peach, pgp_key, message, pgp_signature)
        await _keep_pgp_key(session, user, pgp_key, signature)
        user.pgp_public_key, user.pgp_public_key_proof = pgp_key, signature
    if body.fcm_token:
        user.fcm_token = body.fcm_token
    if body.referral_code:
        await referrals.use_code(session, user, body.referral_code)
    if body.fee_rate is not None:
        user.fee_rate = str(body.fee_rate)  # a fee name, or sat/vB (1..10000, 3 decimals at most)
    user.updated_at = utcnow()
    await session.flush()


async def _keep_pgp_key(session: AsyncSession, user: PeachUser, pgp_key: str, proof: str) -> None:
    """Every key the user proved stays listed (data encrypted for an older key must stay
    readable); a key proved again keeps its place with the newer proof."""
    key_hash = hashlib.sha256(pgp_key.encode()).hexdigest()
    row = await repository.pgp_key(session, user.id, key_hash)
    if row is not None:
        row.proof = proof
        return
    try:  # two concurrent PATCHes of the same key: the second finds the first's row
        async with session.begin_nested():
            session.add(
                PeachPgpKey(user_id=user.id, key_hash=key_hash, public_key=pgp_key, proof=proof, created_at=utcnow())
            )
    except IntegrityError:
        row = await repository.pgp_key(session, user.id, key_hash)
        if row is not None:
            row.proof = proof


async def set_block(session: AsyncSession, user: PeachUser, other_id: str, *, blocked: bool) -> None:
    other = await find_user(session, other_id)
    if other.id == user.id:
        raise f.FormInvalid("userId", "cannot be yourself")
    existing = await repository.block(session, user.id, other.id)
    if blocked and existing is None:
        session.add(PeachBlock(user_id=user.id, blocked_id=other.id, created_at=utcnow()))
    elif not blocked and existing is not None:
        await session.delete(existing)
    await session.flush()


async def is_blocked(session: AsyncSession, user: PeachUser, other_id: str) -> bool:
    other = await find_user(session, other_id)
    return bool(await repository.block_count(session, user.id, other.id))


async def status(session: AsyncSession, user: PeachUser, other_id: str) -> UserStatus:
    """user/:id/status as the caller sees that user: blocked or not, their completed trades
    together, and whether the caller fared badly with them (rated them negatively, or they
    lost a dispute of a trade between the two): the app's repeat-trader badge."""
    other = await find_user(session, other_id)
    return UserStatus(
        is_blocked=bool(await repository.block_count(session, user.id, other.id)),
        trades=await repository.trades_between(session, user.id, other.id),
        bad_experience=await repository.bad_experiences(session, user.id, other.id) > 0,
    )


async def unlink_payment_hashes(session: AsyncSession, user: PeachUser, hashes: list[str]) -> None:
    await repository.delete_payment_hashes(session, user.id, hashes)


async def report(session: AsyncSession, user: PeachUser | None, body: ReportRequest) -> None:
    """contact/report: a message to support, kept for the operator."""
    if "@" not in body.email:
        raise f.FormInvalid("email", "must be an email address")
    session.add(
        PeachReport(
            email=body.email,
            topic=body.topic,
            reason=body.reason,
            message=body.message,
            user_id=user.id if user else None,
            created_at=utcnow(),
        )
    )
    await session.flush()
