"""A console list's CSV: the same rows as its page, every page of the filter, through the ops
helper (peerx.ops.views.listing) that /ops/v1 uses, so both exports are the same bytes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response

from peerx.ops.views.common import PageRequest
from peerx.ops.views.listing import CSV_TYPE, DateRange, csv_filename, date_range, every_row, to_csv, wants_csv

Fetch = Callable[[PageRequest], Awaitable[dict[str, Any]]]


def asked(request: Request) -> bool:
    """`?format=csv` (the lists' "Download CSV" link) or an Accept header naming text/csv."""
    return wants_csv(request.query_params.get("format"), request.headers.get("accept"))


async def csv_response(fetch: Fetch, *, name: str, when: DateRange = DateRange()) -> Response:
    rows = await every_row(fetch)
    disposition = f'attachment; filename="{csv_filename(name, when)}"'
    return Response(to_csv(rows), media_type=CSV_TYPE, headers={"Content-Disposition": disposition})


def dates(request: Request) -> tuple[DateRange, dict[str, str]]:
    """A list's `from`/`to` query parameters (Python keywords, so read by name), checked, and as
    sent (the filter form shows them again)."""
    start, end = request.query_params.get("from", ""), request.query_params.get("to", "")
    return date_range(start, end), {"from": start, "to": end}
