"""A user as the document shows it: the public profile (anyone may read it) and the caller's
own view, from the user row, its computed reputation (reputation.py) and the PGP keys it
proved (`pgpPublicKeys`, which the current app reads; `pgpPublicKey` is the newest)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from peerx.products.bitcoin.identity.schemas import Disputes, PgpKeyProof, PublicUser, SelfUser
from peerx.products.bitcoin.models import PeachPgpKey, PeachReputation, PeachUser
from peerx.products.bitcoin.schemas import FEE_NAMES
from peerx.products.bitcoin.wire import wire_time


def rating(user: PeachUser) -> Decimal:
    return Decimal(user.rating_milli) / 1000


def _milli(value: int) -> Decimal:
    return Decimal(value) / 1000


def pgp_keys(user: PeachUser, keys: Sequence[PeachPgpKey] = ()) -> list[PgpKeyProof]:
    """The keys the user proved, oldest first. The current key is always listed, even when its
    row is missing (a key set before the table existed and not copied)."""
    listed = [PgpKeyProof(public_key=k.public_key, proof=k.proof) for k in keys]
    current, proof = user.pgp_public_key, user.pgp_public_key_proof
    if current and proof and all(k.public_key != current for k in listed):
        listed.append(PgpKeyProof(public_key=current, proof=proof))
    return listed


def public_view(user: PeachUser, rep: PeachReputation | None = None, keys: Sequence[PeachPgpKey] = ()) -> PublicUser:
    """A profile; `rep` is the user's computed reputation (reputation.py), absent for users
    with no rating or trade yet; `keys` the PGP keys it proved."""
    score = rating(user)
    return PublicUser(
        id=user.public_key,
        creation_date=wire_time(user.created_at),
        trades=user.trades,
        rating=score,
        history_rating=_milli(rep.history_rating_milli) if rep else score,
        rating_count=user.rating_count,
        peach_rating=_milli(rep.peach_rating_milli) if rep else score,
        user_rating=_milli(rep.user_rating_milli) if rep else score,
        recent_rating=_milli(rep.recent_rating_milli) if rep else score,
        medals=list(rep.medals) if rep else [],
        disputes=_disputes(rep),
        pgp_public_key=user.pgp_public_key,
        pgp_public_key_proof=user.pgp_public_key_proof,
        pgp_public_keys=pgp_keys(user, keys),
    )


def _disputes(rep: PeachReputation | None) -> Disputes:
    if rep is None:
        return Disputes(opened=0, won=0, lost=0)
    return Disputes(opened=rep.disputes_opened, won=rep.disputes_won, lost=rep.disputes_lost)


def self_view(user: PeachUser, rep: PeachReputation | None = None, keys: Sequence[PeachPgpKey] = ()) -> SelfUser:
    view = public_view(user, rep, keys)
    fee_rate: str | Decimal = user.fee_rate or "halfHourFee"
    if fee_rate not in FEE_NAMES:
        fee_rate = Decimal(fee_rate)
    return SelfUser(
        id=user.public_key,
        linked_ids=[],
        disabled=user.disabled,
        creation_date=view.creation_date,
        last_modified=wire_time(user.updated_at),
        trades=user.trades,
        kyc=False,
        rating=view.rating,
        peach_rating=view.peach_rating,
        user_rating=view.user_rating,
        history_rating=view.history_rating,
        recent_rating=view.recent_rating,
        rating_count=user.rating_count,
        medals=view.medals,
        pgp_public_key=user.pgp_public_key,
        pgp_public_key_proof=user.pgp_public_key_proof,
        pgp_public_keys=view.pgp_public_keys,
        fcm_token=user.fcm_token,
        unique_id=user.unique_id,
        referral_code=user.referral_code,
        used_referral_code=user.used_referral_code,
        referred_trading_amount=rep.referred_trading_amount if rep else 0,
        bonus_points=user.bonus_points,
        disputes=view.disputes,
        fee_rate=fee_rate,
        free_trades=rep.free_trades if rep else 0,
        max_free_trades=rep.max_free_trades if rep else 0,
        is_batching_enabled=user.batching,
    )
