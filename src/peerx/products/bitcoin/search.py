"""POST offer/search: online offers filtered and ordered in SQL (indexed on online, type and
premium or amount; payment methods through their own index), one page at a time."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.products.bitcoin import failures as f
from peerx.products.bitcoin.models import PeachBlock, PeachOffer, PeachOfferMethod, PeachUser
from peerx.products.bitcoin.offers import parse_means_of_payment
from peerx.products.bitcoin.wire import decimal, sats

DEFAULT_SIZE, MAX_SIZE = 21, 100
SORTS = ("bestReputation", "lowestPremium", "highestAmount", "highestPrice")


def page_params(page: str | None, size: str | None, sort_by: str | None) -> tuple[int, int, list[str]]:
    try:
        page_no = int(page) if page not in (None, "") else 0
        page_size = int(size) if size not in (None, "") else DEFAULT_SIZE
    except ValueError:
        raise f.FormInvalid("page", "and size must be whole numbers") from None
    if page_no < 0 or not 1 <= page_size <= MAX_SIZE:
        raise f.FormInvalid("size", f"must be 1 to {MAX_SIZE}, page at least 0")
    sorts = [s.strip() for s in (sort_by or "bestReputation").split(",") if s.strip()]
    if not sorts or any(s not in SORTS for s in sorts):
        raise f.FormInvalid("sortBy", f"must be a comma separated list of {', '.join(SORTS)}")
    return page_no, page_size, list(dict.fromkeys(sorts))


def _order(sort: str) -> ColumnElement[Any]:
    if sort == "bestReputation":
        return PeachUser.rating_milli.desc()
    if sort == "lowestPremium":
        return func.coalesce(PeachOffer.premium_bp, 0).asc()
    if sort == "highestAmount":
        return PeachOffer.amount_max.desc()
    # Price in any currency is market * amount * (1 + premium): the same order for all.
    return (PeachOffer.amount_max * (10_000 + func.coalesce(PeachOffer.premium_bp, 0))).desc()


def filters(body: dict[str, Any], caller: PeachUser | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [PeachOffer.online.is_(True)]
    offer_type = body.get("type")
    if offer_type is not None:
        if offer_type not in ("bid", "ask"):
            raise f.FormInvalid("type", "must be bid or ask")
        conditions.append(PeachOffer.type == offer_type)
    amount = body.get("amount")
    if amount is not None:
        low, high = (
            (sats(amount[0], "amount"), sats(amount[1], "amount"))
            if isinstance(amount, list) and len(amount) == 2
            else (sats(amount, "amount"),) * 2
        )
        conditions += [PeachOffer.amount_min <= high, PeachOffer.amount_max >= low]
    if body.get("meansOfPayment") is not None:
        means = parse_means_of_payment(body["meansOfPayment"])
        wanted = or_(
            *(and_(PeachOfferMethod.currency == c, PeachOfferMethod.method.in_(ms)) for c, ms in means.items())
        )
        conditions.append(exists().where(PeachOfferMethod.offer_id == PeachOffer.id, wanted))
    max_premium = decimal(body, "maxPremium", low=Decimal(-100), high=Decimal(100))
    if max_premium is not None:
        conditions.append(or_(PeachOffer.premium_bp.is_(None), PeachOffer.premium_bp <= int(max_premium * 100)))
    min_reputation = decimal(body, "minReputation", low=Decimal(-1), high=Decimal(1))
    if min_reputation is not None:
        conditions.append(PeachUser.rating_milli >= int(min_reputation * 1000))
    if caller is not None:  # never one's own offers, nor those of people blocked either way
        conditions.append(PeachOffer.user_id != caller.id)
        conditions.append(
            ~exists().where(
                or_(
                    and_(PeachBlock.user_id == caller.id, PeachBlock.blocked_id == PeachOffer.user_id),
                    and_(PeachBlock.user_id == PeachOffer.user_id, PeachBlock.blocked_id == caller.id),
                )
            )
        )
    return conditions


async def search(
    session: AsyncSession, body: dict[str, Any], caller: PeachUser | None, *, page: int, size: int, sorts: list[str]
) -> tuple[list[PeachOffer], int]:
    conditions = filters(body, caller)
    base = select(PeachOffer).join(PeachUser, PeachUser.id == PeachOffer.user_id).where(*conditions)
    total = int(
        await session.scalar(
            select(func.count(PeachOffer.id)).join(PeachUser, PeachUser.id == PeachOffer.user_id).where(*conditions)
        )
        or 0
    )
    rows = await session.scalars(
        base.order_by(*(_order(s) for s in sorts), PeachOffer.id.asc()).limit(size).offset(page * size)
    )
    return list(rows), total
