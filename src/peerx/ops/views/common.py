"""What every operator read view shares: one page of rows with its totals, checked filters, and
money shown as an exact Decimal next to its currency."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import paginate
from peerx.core.errors import InvalidField
from peerx.core.money import from_minor
from peerx.web import page_params

MAX_PER_PAGE = 200


class PageWindow(TypedDict):
    """The `page` and `per_page` keywords every product repository's *_page query takes."""

    page: int
    per_page: int


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = 25

    def __post_init__(self) -> None:
        if self.page < 1:
            raise InvalidField("page", "must be 1 or more")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidField("per_page", f"must be from 1 to {MAX_PER_PAGE}")

    def window(self) -> PageWindow:
        return {"page": self.page, "per_page": self.per_page}


async def page_of(
    session: AsyncSession, query: Select[Any], request: PageRequest, view: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """One page of an ordered query, each row through `view`, with what a pager needs."""
    rows, total = await scalars_page(session, query, request)
    return page_dict([view(row) for row in rows], total, request)


async def rows_page(
    session: AsyncSession, query: Select[*tuple[Any, ...]], request: PageRequest
) -> tuple[list[Any], int]:
    """One page of an ordered query whose rows have several columns, and the total count."""
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = await session.execute(query.limit(request.per_page).offset((request.page - 1) * request.per_page))
    return list(rows.all()), int(total or 0)


async def scalars_page(session: AsyncSession, query: Select[Any], request: PageRequest) -> tuple[list[Any], int]:
    """One page of an ordered query of single objects, and the total count."""
    return await paginate(session, query, page=request.page, per_page=request.per_page)


def page_dict(items: list[dict[str, Any]], total: int, request: PageRequest) -> dict[str, Any]:
    pages = max(1, -(-total // request.per_page))
    return {"items": items, "total": total, "page": request.page, "per_page": request.per_page, "pages": pages}


def every_status(counts: Mapping[str, int], statuses: Iterable[str]) -> dict[str, int]:
    """How many rows are in each status, every status named (0 where none), in the given order."""
    return {status: counts.get(status, 0) for status in statuses}


def money(amount_minor: int, currency: str) -> dict[str, Any]:
    """An amount for people: exact decimals of the currency, never a float."""
    return {"amount": from_minor(amount_minor, currency), "currency": currency}


def choice(field: str, value: str | None, allowed: Sequence[str]) -> str | None:
    """An optional filter that must be one of `allowed` ("" means no filter)."""
    if value is None or value == "":
        return None
    if value not in allowed:
        raise InvalidField(field, f"must be one of {', '.join(allowed)}")
    return value


def livemode_of(value: str | None) -> bool | None:
    """The livemode filter as the screens send it: live, test, or empty for both."""
    picked = choice("mode", value, ("live", "test"))
    return None if picked is None else picked == "live"


def page_request(page: str | None, per_page: str | None, *, default_size: int = 25) -> PageRequest:
    """`page` and `per_page` as a screen or API receives them (query strings), checked."""
    number, size = page_params(page, per_page, default_size=default_size, max_size=MAX_PER_PAGE)
    return PageRequest(number, size)


def optional_id(field: str, raw: str | None) -> int | None:
    """An id filter from a query string: empty means none."""
    if raw is None or raw.strip() == "":
        return None
    if not raw.strip().isdigit():
        raise InvalidField(field, "must be a whole number")
    return int(raw)
