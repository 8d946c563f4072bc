"""A sell offer's instant-trade terms as the app sends them with v1 POST offer
(SellOfferPreferences.tsx, usePostSellOffer.ts): the criteria a buyer must meet to take the
offer at once, and per payment method the seller's data PGP-encrypted to the platform key
(`encrypted`/`signature`) and to the seller's own key (`selfEncrypted`/`selfEncryptedSignature`).
The rule deciding whether a user meets the criteria is `allows`, and only there."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin.identity.schemas import PublicUser
from peerx.products.bitcoin.models import PeachSellOfferTerms
from peerx.products.bitcoin.offers import repository
from peerx.products.bitcoin.offers.schemas import SellOfferRequest

# src/constants.ts NEW_USER_TRADE_THRESHOLD: fewer trades than this is a new user.
NEW_USER_TRADES = 3
MESSAGE = "-----BEGIN PGP MESSAGE-----"
SIGNATURE = "-----BEGIN PGP SIGNATURE-----"
# wire name -> (stored name, armor header); pairs: a block and its signature come together.
SECRET_FIELDS = {
    "encrypted": MESSAGE,
    "signature": SIGNATURE,
    "selfEncrypted": MESSAGE,
    "selfEncryptedSignature": SIGNATURE,
}
PAIRS = (("encrypted", "signature"), ("selfEncrypted", "selfEncryptedSignature"))


@dataclass(frozen=True)
class Terms:
    criteria: dict[str, Any] | None
    experience_level: str | None
    secrets: dict[str, dict[str, str]]

    @property
    def empty(self) -> bool:
        return self.criteria is None and self.experience_level is None and not self.secrets


def parse(body: SellOfferRequest) -> Terms:
    """The terms of a sell offer request, checked (FORM_INVALID naming the field): each PGP block
    armored with the right header, a block never without its signature."""
    secrets: dict[str, dict[str, str]] = {}
    for method, data in body.payment_data.items():
        sent = data.model_dump(
            by_alias=True, include={"encrypted", "signature", "self_encrypted", "self_encrypted_signature"}
        )
        entry: dict[str, str] = {}
        for name, header in SECRET_FIELDS.items():
            value = sent.get(name)
            if value is None:
                continue
            if not value.lstrip().startswith(header):
                raise f.FormInvalid(f"paymentData.{method}.{name}", f"must be an ASCII-armored block ({header})")
            entry[name] = value
        for block, signature in PAIRS:
            if (block in entry) != (signature in entry):
                missing = signature if block in entry else block
                raise f.FormInvalid(
                    f"paymentData.{method}.{missing}", f"must come with {block if block not in entry else signature}"
                )
        if entry:
            secrets[method] = entry
    criteria = body.instant_trade_criteria
    stored = None
    if criteria is not None:
        # JSON has no decimals: the reputation is kept as text and read back as a Decimal.
        stored = {
            "minReputation": str(criteria.min_reputation),
            "minTrades": criteria.min_trades,
            "badges": list(dict.fromkeys(criteria.badges)),
        }
    return Terms(stored, body.experience_level_criteria, secrets)


async def keep(session: AsyncSession, offer_id: int, terms: Terms) -> None:
    if terms.empty:
        return
    session.add(
        PeachSellOfferTerms(
            offer_id=offer_id,
            instant_trade_criteria=terms.criteria,
            experience_level=terms.experience_level,
            payment_secrets=terms.secrets,
        )
    )
    await session.flush()


async def carry_over(session: AsyncSession, old_offer_id: int, new_offer_id: int) -> None:
    """A revived sell offer keeps the terms its seller posted (the app does not post them again)."""
    terms = (await repository.sell_offer_terms(session, [old_offer_id])).get(old_offer_id)
    if terms is None:
        return
    session.add(
        PeachSellOfferTerms(
            offer_id=new_offer_id,
            instant_trade_criteria=terms.instant_trade_criteria,
            experience_level=terms.experience_level,
            payment_secrets=dict(terms.payment_secrets or {}),
        )
    )
    await session.flush()


async def terms_of(session: AsyncSession, offer_ids: list[int]) -> dict[int, PeachSellOfferTerms]:
    return await repository.sell_offer_terms(session, offer_ids)


def criteria_view(terms: PeachSellOfferTerms | None) -> dict[str, Any] | None:
    if terms is None or terms.instant_trade_criteria is None:
        return None
    stored = terms.instant_trade_criteria
    return {**stored, "minReputation": Decimal(str(stored["minReputation"]))}


def meets(criteria: dict[str, Any] | None, taker: PublicUser, reputation: Decimal) -> bool:
    """The instant-trade criteria rule of both kinds of offer: `reputation` (the taker's, on the
    criteria's own scale), trades and every badge asked for."""
    if not criteria:
        return False
    return (
        reputation >= Decimal(str(criteria.get("minReputation", 0)))
        and taker.trades >= int(criteria.get("minTrades", 0))
        and set(criteria.get("badges") or []) <= set(taker.medals)
    )


def allows(terms: PeachSellOfferTerms | None, taker: PublicUser) -> bool:
    """May `taker` trade this sell offer at once? Only with instant-trade criteria, and only when
    the taker meets them (reputation on the server's -1..1) and the offer's experience level
    (new users: fewer than 3 trades) admits the taker."""
    if terms is None or not meets(criteria_view(terms), taker, Decimal(str(taker.rating))):
        return False
    if terms.experience_level == "newUsersOnly" and taker.trades >= NEW_USER_TRADES:
        return False
    return not (terms.experience_level == "experiencedUsersOnly" and taker.trades < NEW_USER_TRADES)


def platform_encrypted(terms: PeachSellOfferTerms | None, method: str) -> tuple[str, str] | None:
    """The seller's payment data of `method` for the platform key, and the seller's signature."""
    entry = (terms.payment_secrets or {}).get(method) if terms is not None else None
    if not isinstance(entry, dict) or "encrypted" not in entry or "signature" not in entry:
        return None
    return str(entry["encrypted"]), str(entry["signature"])


def owner_view(view: dict[str, Any], terms: PeachSellOfferTerms | None, *, owner: bool) -> dict[str, Any]:
    """A sell offer's wire view with its terms: the criteria for everyone, the encrypted copies
    of the payment data (`paymentData[method].encrypted`, ...) for the owner only."""
    if terms is None:
        return view
    criteria = criteria_view(terms)
    if criteria is not None:
        view["instantTradeCriteria"] = criteria
    if terms.experience_level is not None:
        view["experienceLevelCriteria"] = terms.experience_level
    if owner:
        for method, entry in (terms.payment_secrets or {}).items():
            if isinstance(view.get("paymentData", {}).get(method), dict):
                view["paymentData"][method].update(entry)
    return view
