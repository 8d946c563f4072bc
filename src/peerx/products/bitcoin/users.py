"""Identities: an account is a secp256k1 key. Registration and authentication by a signed
`Peach Registration <unix ms>` message; 60-minute tokens; profile, PGP key, blocks."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.chain.keys import parse_public_key, verify_digest, verify_message
from peerx.core.db import utcnow
from peerx.core.errors import NotFound, Unauthorized
from peerx.core.jobs import JobContext, enqueue, job_handler
from peerx.products.bitcoin import failures as f
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.models import (
    PeachAuthMessage,
    PeachBlock,
    PeachOffer,
    PeachPaymentHash,
    PeachToken,
    PeachUser,
)
from peerx.products.bitcoin.models_social import PeachReferralCode, PeachReputation
from peerx.products.bitcoin.wire import decimal, millis, text, wire_time

AUTH_MESSAGE = re.compile(r"^Peach Registration (\d{13})$")
PGP_MESSAGE = re.compile(r"^Peach new PGP key (\d{13})$")
FEE_NAMES = ("fastestFee", "halfHourFee", "hourFee", "economyFee")
REFERRAL = re.compile(r"^[A-Z0-9]{1,16}$")
REPUTATION_COPY_JOB = "peach.copy_reputation"


def _fresh(peach: Peach, timestamp_ms: int) -> bool:
    age = abs(millis(utcnow()) - timestamp_ms)
    return age <= peach.settings.peach_auth_window_seconds * 1000


async def authenticate_key(
    session: AsyncSession, peach: Peach, body: dict[str, Any], *, register: bool
) -> dict[str, Any]:
    public_key_hex = text(body, "publicKey", max_length=66)
    message = text(body, "message", max_length=100)
    signature = text(body, "signature", max_length=200)
    assert public_key_hex and message and signature
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
    user = await session.scalar(select(PeachUser).where(PeachUser.public_key == public_key_hex))
    if user is not None and register:
        raise f.UserExists("This public key is registered already: use user/auth.")
    if user is None:
        try:  # a racing registration of the same key may insert first: then it is that user
            async with session.begin_nested():
                user = await _create_user(
                    session, public_key_hex, text(body, "uniqueId", required=False, max_length=200)
                )
        except IntegrityError:
            if register:
                raise f.UserExists("This public key is registered already: use user/auth.") from None
            user = await session.scalar(select(PeachUser).where(PeachUser.public_key == public_key_hex))
            assert user is not None
    if user.disabled:
        raise f.AccountBanned("This account is disabled.")
    return await _issue_token(session, peach, user)


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
        taken = await session.scalar(select(PeachUser.id).where(PeachUser.referral_code == code))
        if taken is None and await session.get(PeachReferralCode, code) is None:  # nor a redeemed-away code
            return code


async def _issue_token(session: AsyncSession, peach: Peach, user: PeachUser) -> dict[str, Any]:
    token = str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
    expires = utcnow() + timedelta(minutes=peach.settings.peach_token_minutes)
    session.add(PeachToken(token_hash=_hash(token), user_id=user.id, expires_at=expires, created_at=utcnow()))
    await session.flush()
    return {"expiry": millis(expires), "accessToken": token}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_from_header(header: str) -> str:
    """`Bearer <token>`, `Basic <token>` (what the app sends) or the bare token."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() in ("bearer", "basic") and rest:
        return rest.strip()
    return header.strip()


async def user_for_token(session: AsyncSession, header: str | None) -> PeachUser:
    if not header:
        raise Unauthorized("Authorization required.")
    token = await session.scalar(select(PeachToken).where(PeachToken.token_hash == _hash(token_from_header(header))))
    if token is None or token.expires_at <= utcnow():
        raise Unauthorized("The access token is invalid or expired.")
    user = await session.get(PeachUser, token.user_id)
    assert user is not None
    if user.disabled:
        raise f.AccountBanned("This account is disabled.")
    return user


async def logout(session: AsyncSession, user: PeachUser) -> None:
    """The document's logout unregisters push notifications; we also end every token."""
    user.fcm_token = None
    user.updated_at = utcnow()
    await session.execute(delete(PeachToken).where(PeachToken.user_id == user.id))


async def find_user(session: AsyncSession, user_id: str) -> PeachUser:
    user = await session.scalar(select(PeachUser).where(PeachUser.public_key == user_id.lower()))
    if user is None:
        raise NotFound("User not found.")
    return user


async def set_reputation(
    session: AsyncSession, user: PeachUser, rating_milli: int, rating_count: int, *, offers_after_commit: bool = False
) -> None:
    """The one writer of a user's reputation: search orders offers by the copy on each offer
    row, so the user and all of its offers change in the same transaction. A trade step that
    already holds one of the user's offers (a release, a cancel) passes offers_after_commit: a
    job copies the value right after the commit, since rewriting every offer here would deadlock
    with a concurrent step of the same user holding another of its offers."""
    if not -1000 <= rating_milli <= 1000 or rating_count < 0:
        raise ValueError("reputation must be -1000..1000 thousandths and a count >= 0")
    user.rating_milli, user.rating_count, user.updated_at = rating_milli, rating_count, utcnow()
    await session.flush()
    if offers_after_commit:
        await enqueue(session, REPUTATION_COPY_JOB, {"userId": user.id})
    else:
        await copy_reputation_to_offers(session, user.id)


async def copy_reputation_to_offers(session: AsyncSession, user_id: int) -> None:
    """Offers locked in id order first, then the user's current value read: a later copy never
    writes an older value over a newer one, and two copies never deadlock."""
    await session.execute(
        select(PeachOffer.id).where(PeachOffer.user_id == user_id).order_by(PeachOffer.id).with_for_update()
    )
    value = await session.scalar(select(PeachUser.rating_milli).where(PeachUser.id == user_id))
    await session.execute(
        update(PeachOffer)
        .where(PeachOffer.user_id == user_id, PeachOffer.rating_milli != value)
        .values(rating_milli=value)
        .execution_options(synchronize_session="fetch")
    )


@job_handler(REPUTATION_COPY_JOB)
async def _copy_reputation_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as session:
        await copy_reputation_to_offers(session, int(payload["userId"]))


def rating(user: PeachUser) -> Decimal:
    return Decimal(user.rating_milli) / 1000


def _milli(value: int) -> Decimal:
    return Decimal(value) / 1000


def public_view(user: PeachUser, rep: PeachReputation | None = None) -> dict[str, Any]:
    """A profile; `rep` is the user's computed reputation (reputation.py), absent for users
    with no rating or trade yet."""
    score = rating(user)
    return {
        "id": user.public_key,
        "creationDate": wire_time(user.created_at),
        "trades": user.trades,
        "rating": score,
        "historyRating": _milli(rep.history_rating_milli) if rep else score,
        "ratingCount": user.rating_count,
        "peachRating": _milli(rep.peach_rating_milli) if rep else score,
        "userRating": _milli(rep.user_rating_milli) if rep else score,
        "recentRating": _milli(rep.recent_rating_milli) if rep else score,
        "medals": list(rep.medals) if rep else [],
        "disputes": {
            "opened": rep.disputes_opened if rep else 0,
            "won": rep.disputes_won if rep else 0,
            "lost": rep.disputes_lost if rep else 0,
        },
        "pgpPublicKey": user.pgp_public_key,
        "pgpPublicKeyProof": user.pgp_public_key_proof,
    }


def self_view(user: PeachUser, rep: PeachReputation | None = None) -> dict[str, Any]:
    view = public_view(user, rep)
    fee_rate: Any = user.fee_rate
    if fee_rate is not None and fee_rate not in FEE_NAMES:
        fee_rate = Decimal(fee_rate)
    return {
        "id": user.public_key,
        "linkedIds": [],
        "disabled": user.disabled,
        "creationDate": view["creationDate"],
        "lastModified": wire_time(user.updated_at),
        "trades": user.trades,
        "kyc": False,
        **{k: view[k] for k in ("rating", "peachRating", "userRating", "historyRating", "recentRating")},
        "ratingCount": user.rating_count,
        "medals": view["medals"],
        "pgpPublicKey": user.pgp_public_key,
        "pgpPublicKeyProof": user.pgp_public_key_proof,
        "fcmToken": user.fcm_token,
        "uniqueId": user.unique_id,
        "referralCode": user.referral_code,
        "usedReferralCode": user.used_referral_code,
        "referredTradingAmount": rep.referred_trading_amount if rep else 0,
        "bonusPoints": user.bonus_points,
        "disputes": view["disputes"],
        "feeRate": fee_rate if fee_rate is not None else "halfHourFee",
        "freeTrades": rep.free_trades if rep else 0,
        "maxFreeTrades": rep.max_free_trades if rep else 0,
        "isBatchingEnabled": user.batching,
    }


def _verify_pgp(peach: Peach, armored_key: str, message: str, pgp_signature: str) -> None:
    import pysequoia

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


async def update_user(session: AsyncSession, peach: Peach, user: PeachUser, body: dict[str, Any]) -> None:
    pgp_key = text(body, "pgpPublicKey", required=False, max_length=20_000)
    if pgp_key is not None:
        message = text(body, "message", max_length=100)
        pgp_signature = text(body, "pgpSignature", max_length=20_000)
        signature = text(body, "signature", max_length=200)
        assert message and pgp_signature and signature
        account_key = parse_public_key(user.public_key)
        assert account_key is not None
        if not verify_digest(account_key, hashlib.sha256(pgp_key.encode()).digest(), signature):
            raise f.InvalidSignature("signature", "must sign sha256 of the PGP public key with the account key")
        _verify_pgp(peach, pgp_key, message, pgp_signature)
        user.pgp_public_key, user.pgp_public_key_proof = pgp_key, signature
    fcm = text(body, "fcmToken", required=False, max_length=500)
    if fcm is not None:
        user.fcm_token = fcm
    code = text(body, "referralCode", required=False, max_length=16)
    if code is not None:
        await _use_referral_code(session, user, code)
    if body.get("feeRate") is not None:
        user.fee_rate = _fee_rate(body)
    user.updated_at = utcnow()
    await session.flush()


def _fee_rate(body: dict[str, Any]) -> str:
    value = body["feeRate"]
    if isinstance(value, str) and value in FEE_NAMES:
        return value
    number = decimal(body, "feeRate", low=Decimal(1), high=Decimal(10_000))
    assert number is not None
    return str(number)


async def _use_referral_code(session: AsyncSession, user: PeachUser, code: str) -> None:
    from peerx.products.bitcoin import referrals  # referrals builds on this module

    await referrals.use_code(session, user, code)


async def set_block(session: AsyncSession, user: PeachUser, other_id: str, *, blocked: bool) -> None:
    other = await find_user(session, other_id)
    if other.id == user.id:
        raise f.FormInvalid("userId", "cannot be yourself")
    existing = await session.scalar(
        select(PeachBlock).where(PeachBlock.user_id == user.id, PeachBlock.blocked_id == other.id)
    )
    if blocked and existing is None:
        session.add(PeachBlock(user_id=user.id, blocked_id=other.id, created_at=utcnow()))
    elif not blocked and existing is not None:
        await session.delete(existing)
    await session.flush()


async def is_blocked(session: AsyncSession, user: PeachUser, other_id: str) -> bool:
    other = await find_user(session, other_id)
    found = await session.scalar(
        select(func.count()).where(PeachBlock.user_id == user.id, PeachBlock.blocked_id == other.id)
    )
    return bool(found)


async def unlink_payment_hashes(session: AsyncSession, user: PeachUser, hashes: object) -> None:
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes) or len(hashes) > 1000:
        raise f.FormInvalid("hashes", "must be an array of payment hashes")
    await session.execute(
        delete(PeachPaymentHash).where(PeachPaymentHash.user_id == user.id, PeachPaymentHash.hash.in_(hashes))
    )
