"""Peach v1 wire models of accounts: registration and tokens, profiles, the caller's own
account, limits, blocks and ratings (the rules of parsing and answering are in schemas.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, WithJsonSchema

from peerx.products.bitcoin.schemas import (
    FEE_NAMES,
    Armored,
    AuthMessage,
    Code,
    FcmToken,
    FeeRate,
    OptionalSignature,
    PaymentHash,
    PeachAnswer,
    PeachRequest,
    PublicKeyHex,
    ReferralCode,
    ShortText,
    Signature,
    UniqueId,
    examples,
)
from peerx.wire import WireDecimal


class AuthRequest(PeachRequest):
    """user/register and user/auth: the account key signs `Peach Registration <unix ms>`."""

    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "publicKey": "03e448b2397c1880e39853371af5346e7e7972c9d6e26dbbb39ff6c2227aa19c80",
                "message": "Peach Registration 1231006505000",
                "signature": "H7vbUS+FJRddsZjWp4SjxPLMh2JcjfuR6wz5n/S4Pd44MxZ2epPH0AaZlVWxk0q68t1fFYdt5xruNok30I5c0Pg=",
            }
        )
    )
    public_key: PublicKeyHex
    message: AuthMessage
    signature: Signature
    unique_id: UniqueId | None = None


class AccessToken(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples({"expiry": 1631987976268, "accessToken": "5294ed7a-18dd-4ce7-ab9e-3ecda4c54f28"})
    )
    expiry: int
    access_token: str


class PgpKeyProof(PeachAnswer):
    """A PGP key the user proved, with the proof: the account key's signature of sha256 of the
    armored key (the app encrypts payment data and chat for every key of both parties)."""

    public_key: str
    proof: str


class Disputes(PeachAnswer):
    opened: int
    won: int
    lost: int


USER_EXAMPLE = {
    "id": "0213583209ada26c16e5c3157d86809f8fd46e602936a4e3d51cd988a42ebe19f3",
    "creationDate": "2023-03-01T13:39:55.942Z",
    "trades": 1738,
    "rating": 0.946,
    "historyRating": 0.975,
    "ratingCount": 45,
    "peachRating": 0.924,
    "userRating": 1,
    "recentRating": 0.926,
    "medals": ["superTrader", "ambassador"],
    "disputes": {"opened": 4, "won": 1, "lost": 1},
    "pgpPublicKey": "-----BEGIN PGP PUBLIC KEY BLOCK-----...-----END PGP PUBLIC KEY BLOCK-----",
    "pgpPublicKeyProof": "3b55cc1bf439d4...acf36ae",
    "pgpPublicKeys": [
        {
            "publicKey": "-----BEGIN PGP PUBLIC KEY BLOCK-----...-----END PGP PUBLIC KEY BLOCK-----",
            "proof": "3b55cc1bf439d4...acf36ae",
        }
    ],
}


class PublicUser(PeachAnswer):
    """A profile: user/:id, and the `user`, `seller`, `buyer` of offers, matches and contracts."""

    model_config = ConfigDict(json_schema_extra=examples(USER_EXAMPLE))
    id: str
    creation_date: str | None
    trades: int
    rating: WireDecimal
    history_rating: WireDecimal
    rating_count: int
    peach_rating: WireDecimal
    user_rating: WireDecimal
    recent_rating: WireDecimal
    medals: list[str]
    disputes: Disputes
    pgp_public_key: str | None
    pgp_public_key_proof: str | None
    pgp_public_keys: list[PgpKeyProof]


class SelfUser(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "id": "02d6...fda",
                "linkedIds": [],
                "disabled": False,
                "creationDate": "2023-07-05T15:40:49.931Z",
                "lastModified": "2023-06-03T13:55:32.109Z",
                "trades": 1,
                "kyc": False,
                "rating": 1,
                "peachRating": 1,
                "userRating": 1,
                "historyRating": 1,
                "recentRating": 1,
                "ratingCount": 1,
                "medals": ["superTrader"],
                "pgpPublicKey": "-----BEGIN PGP PUBLIC KEY BLOCK-----...-----END PGP PUBLIC KEY BLOCK-----",
                "pgpPublicKeyProof": "0bc8c45148d9...960e5e",
                "pgpPublicKeys": [
                    {
                        "publicKey": "-----BEGIN PGP PUBLIC KEY BLOCK-----...-----END PGP PUBLIC KEY BLOCK-----",
                        "proof": "0bc8c45148d9...960e5e",
                    }
                ],
                "fcmToken": "the fcm token",
                "uniqueId": "e3b0c44298fc...b855",
                "referralCode": "PEACH",
                "usedReferralCode": "SATOSHI",
                "referredTradingAmount": 21000000,
                "bonusPoints": 2100,
                "disputes": {"opened": 0, "won": 0, "lost": 0},
                "feeRate": 1,
                "freeTrades": 0,
                "maxFreeTrades": 0,
                "isBatchingEnabled": False,
            }
        )
    )
    id: str
    linked_ids: list[str]
    disabled: bool
    creation_date: str | None
    last_modified: str | None
    trades: int
    kyc: bool
    rating: WireDecimal
    peach_rating: WireDecimal
    user_rating: WireDecimal
    history_rating: WireDecimal
    recent_rating: WireDecimal
    rating_count: int
    medals: list[str]
    pgp_public_key: str | None
    pgp_public_key_proof: str | None
    pgp_public_keys: list[PgpKeyProof]
    fcm_token: str | None
    unique_id: str | None
    referral_code: str
    used_referral_code: str | None
    referred_trading_amount: int
    bonus_points: int
    disputes: Disputes
    fee_rate: Annotated[
        str | WireDecimal, WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "enum": list(FEE_NAMES)}]})
    ]
    free_trades: int
    max_free_trades: int
    is_batching_enabled: bool


class ForbiddenMethods(PeachAnswer):
    buy: list[str]
    sell: list[str]


class UserPaymentMethods(PeachAnswer):
    model_config = ConfigDict(json_schema_extra=examples({"forbidden": {"buy": ["paypal"], "sell": []}}))
    forbidden: ForbiddenMethods


class TradingLimit(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "daily": 1000,
                "dailyAmount": 21,
                "yearly": 100000,
                "yearlyAmount": 615,
                "monthlyAnonymous": 1000,
                "monthlyAnonymousAmount": 0,
            }
        )
    )
    daily: int
    daily_amount: WireDecimal
    yearly: int
    yearly_amount: WireDecimal
    monthly_anonymous: int
    monthly_anonymous_amount: WireDecimal


class UpdateUserRequest(PeachRequest):
    """PATCH user. A PGP key comes with both proofs: `signature` (the account key over sha256 of
    the armored key) and `pgpSignature` (the PGP key over `message`)."""

    model_config = ConfigDict(json_schema_extra=examples({"fcmToken": "the fcm token", "feeRate": "halfHourFee"}))
    pgp_public_key: Armored | None = None
    message: ShortText | None = None
    pgp_signature: Armored | None = None
    signature: OptionalSignature | None = None
    fcm_token: FcmToken | None = None
    referral_code: ReferralCode | None = None
    fee_rate: FeeRate | None = None


class BatchingRequest(PeachRequest):
    model_config = ConfigDict(json_schema_extra=examples({"enableBatching": True}))
    enable_batching: Annotated[bool, Field(strict=True)]


class RedeemCodeRequest(PeachRequest):
    model_config = ConfigDict(json_schema_extra=examples({"code": "SATOSHI"}))
    code: Code


class Redeemed(PeachAnswer):
    model_config = ConfigDict(json_schema_extra=examples({"success": True, "bonusPoints": 21}))
    success: Literal[True] = True
    bonus_points: int


class UnlinkHashesRequest(PeachRequest):
    model_config = ConfigDict(
        json_schema_extra=examples({"hashes": ["fda659c82ae97ce2c4b26665e558a97796951f7691f85e97d693425a1eaeae21"]})
    )
    hashes: Annotated[list[PaymentHash], Field(max_length=1000)]


class UserStatus(PeachAnswer):
    """user/:id/status as the caller sees that user: blocked by the caller, completed trades of
    the two together and whether one went badly for the caller (the app's repeat-trader badge)."""

    model_config = ConfigDict(json_schema_extra=examples({"isBlocked": False, "trades": 2, "badExperience": False}))
    is_blocked: bool
    trades: int
    bad_experience: bool


class Rating(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "creationDate": "2023-03-01T13:53:40.403Z",
                "rating": 1,
                "ratedBy": "030d2971c1aef59ab5d6ca64e24a2381ebfe7e54066986dc713dd14e294dfed9ee",
                "signature": "8605755dd0f5b41e13ec82e1086d8c4e27db721acf89f7648e5e0947e0003de1"
                "5d0b6f8958b363cba3904073e2cd88ab3cb6c05d5e875655334902a40f18aeb5",
            }
        )
    )
    creation_date: str | None
    rating: int
    rated_by: str
    signature: str
