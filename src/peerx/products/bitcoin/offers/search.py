"""POST offer/search: online offers filtered and ordered in SQL, one page at a time.

Every sort order is an index order: (online, type, <key>, id) for the owner's reputation (kept
on the offer row), the premium, the amount and the price weight, so a page is the first
(page + 1) x size matches of one index range, not a sort of every match. Ties break on the offer
id in the direction of the last sort key (the index read backwards for the descending ones).
Payment methods are probed through peach_offer_methods' unique (offer_id, currency, method)
index (or joined from its (currency, method, offer_id) index when the planner prefers).
`total` is exact up to TOTAL_CAP and capped there: a page that ends the results gives it for
free, otherwise it is counted over at most TOTAL_CAP index entries.

This module is itself a query module (the search's SQL is built from the request, filter by
filter), so its queries stay here rather than in offers/repository.py; besides parsing sortBy it
holds no rule."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin.models import PeachBlock, PeachOffer, PeachOfferMethod, PeachUser
from peerx.products.bitcoin.offers.schemas import SearchRequest
from peerx.products.bitcoin.offers.service import parse_means_of_payment
from peerx.products.bitcoin.schemas import SORTS

DEFAULT_SIZE, MAX_SIZE = 21, 100
TOTAL_CAP = 1_000


def sort_keys(sort_by: str | None) -> list[str]:
    """sortBy: a comma separated list of SORTS (bestReputation when absent), repeats dropped."""
    sorts = [s.strip() for s in (sort_by or "bestReputation").split(",") if s.strip()]
    if not sorts or any(s not in SORTS for s in sorts):
        raise f.FormInvalid("sortBy", f"must be a comma separated list of {', '.join(SORTS)}")
    return list(dict.fromkeys(sorts))


def _order(sort: str, offer_type: object) -> ColumnElement[Any]:
    if sort == "bestReputation":
        return PeachOffer.rating_milli.desc()
    if sort == "lowestPremium":  # asks always have a premium; bids have none (0 in a mixed search)
        return (PeachOffer.premium_bp if offer_type == "ask" else func.coalesce(PeachOffer.premium_bp, 0)).asc()
    if sort == "highestAmount":
        return PeachOffer.amount_max.desc()
    # Price in any currency is market * amount * (1 + premium): the same order for all.
    return PeachOffer.price_weight.desc()


def order_by(sorts: list[str], offer_type: object) -> list[ColumnElement[Any]]:
    tie = PeachOffer.id.asc() if sorts[-1] == "lowestPremium" else PeachOffer.id.desc()
    return [*(_order(s, offer_type) for s in sorts), tie]


def filters(
    body: SearchRequest, caller: PeachUser | None, *, reputation_range: bool = True
) -> list[ColumnElement[bool]]:
    """`reputation_range=False` keeps minReputation out of index choice (rating + 0): SQLite has
    no statistics to tell that a broad reputation range costs more than reading the sort's index."""
    conditions: list[ColumnElement[bool]] = [PeachOffer.online == True]  # noqa: E712 - "= 1": an index prefix
    offer_type = body.type
    if offer_type is not None:
        conditions.append(PeachOffer.type == offer_type)
    if body.amount is not None:
        low, high = body.amount
        conditions += [PeachOffer.amount_min <= high, PeachOffer.amount_max >= low]
    if body.means_of_payment is not None:
        means = parse_means_of_payment(body.means_of_payment)
        wanted = or_(
            *(and_(PeachOfferMethod.currency == c, PeachOfferMethod.method.in_(ms)) for c, ms in means.items())
        )
        conditions.append(exists().where(PeachOfferMethod.offer_id == PeachOffer.id, wanted))
    max_premium = body.max_premium
    if max_premium is not None:
        below = PeachOffer.premium_bp <= int(max_premium * 100)
        conditions.append(below if offer_type == "ask" else or_(PeachOffer.premium_bp.is_(None), below))
    min_reputation = body.min_reputation
    if min_reputation is not None:
        rating = PeachOffer.rating_milli if reputation_range else PeachOffer.rating_milli + 0
        conditions.append(rating >= int(min_reputation * 1000))
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


def statements(
    body: SearchRequest, caller: PeachUser | None, *, page: int, size: int, sorts: list[str], sqlite: bool
) -> tuple[Select[PeachOffer], Select[int]]:
    """The search's two statements: the page, and the count capped at TOTAL_CAP (sent only when
    the page does not end the results). The bench runs these same statements without the ORM."""
    conditions = filters(body, caller, reputation_range=not sqlite or sorts[0] == "bestReputation")
    ordering = order_by(sorts, body.type)
    # The page's ids first, then its rows: the skipped offers and those a method probe rejects
    # are read from the sort index alone (index-only on PostgreSQL), only `size` rows from the table.
    ids = select(PeachOffer.id).where(*conditions).order_by(*ordering).limit(size).offset(page * size).subquery()
    page_query = select(PeachOffer).join(ids, ids.c.id == PeachOffer.id).order_by(*ordering)
    matches = select(PeachOffer.id).where(*conditions).limit(TOTAL_CAP).subquery()
    return page_query, select(func.count()).select_from(matches)


def total_from_page(found: int, *, page: int, size: int) -> int | None:
    """The total when this page ends the results (fewer than `size` rows, and not a page past
    the end), else None: it has to be counted."""
    return page * size + found if found < size and (found or page == 0) else None


async def search(
    session: AsyncSession, body: SearchRequest, caller: PeachUser | None, *, page: int, size: int, sorts: list[str]
) -> tuple[list[PeachOffer], int]:
    sqlite = session.get_bind().dialect.name == "sqlite"
    page_query, count_query = statements(body, caller, page=page, size=size, sorts=sorts, sqlite=sqlite)
    rows = list(await session.scalars(page_query))
    total = total_from_page(len(rows), page=page, size=size)
    if total is None:
        total = int(await session.scalar(count_query) or 0)
    return rows, total


SUMMARY_CAP = 1_000  # the app averages premiums over them: the lowest premiums first, at most this many


async def summaries(
    session: AsyncSession, body: SearchRequest, caller: PeachUser
) -> list[tuple[str, int, int, int | None]]:
    """POST offer/search/summary: (type, amount_min, amount_max, premium_bp) of the online
    offers the search's filters select, lowest premium first, capped at SUMMARY_CAP."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    conditions = filters(body, caller, reputation_range=not sqlite)
    query = (
        select(PeachOffer.type, PeachOffer.amount_min, PeachOffer.amount_max, PeachOffer.premium_bp)
        .where(*conditions)
        .order_by(*order_by(["lowestPremium"], body.type))
        .limit(SUMMARY_CAP)
    )
    return [(t, low, high, premium) for t, low, high, premium in (await session.execute(query)).all()]
