"""What every operator list shares beyond its page (peerx.ops.views.common): a date range
(`from`/`to`, ISO dates or times) and the CSV form of its rows. One helper for /ops/v1 and the
console, so both export the same bytes.

CSV decisions: one row per item, columns in the item's key order; a nested object becomes
dotted columns (`fee.amount`, `fee.currency`), a list of plain values one cell joined by spaces,
anything deeper its JSON. Money is already an exact Decimal from minor units in the views, and is
written as its decimal digits (never a float). A cell that starts with = + - @ (or a tab or
carriage return) gets a leading apostrophe, so a spreadsheet shows it as text instead of running
it as a formula (OWASP's CSV injection advice)."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from peerx.core.encoding import dumps
from peerx.core.errors import InvalidField
from peerx.core.period import Period
from peerx.ops.views.common import MAX_PER_PAGE, PageRequest

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"


# [start, end): `from` at its first instant, `to` a whole day when given as a date.
DateRange = Period


def _instant(field: str, raw: str, *, end: bool) -> datetime:
    text = raw.strip()
    try:
        if len(text) == 10:  # a date: from its first instant; `to` includes the whole day
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(0), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidField(field, "must be an ISO date (2026-12-06) or date and time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def date_range(start: str | None, end: str | None) -> DateRange:
    """`from` and `to` as a screen or API receives them (empty means open)."""
    first = _instant("from", start, end=False) if start and start.strip() else None
    last = _instant("to", end, end=True) if end and end.strip() else None
    if first is not None and last is not None and last <= first:
        raise InvalidField("to", "must be after from")
    return DateRange(first, last)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple) and all(not isinstance(v, dict | list) for v in value):
        return " ".join(_cell(v) for v in value)
    if isinstance(value, dict | list):
        return dumps(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _flat(item: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, Mapping):
            for inner, nested in value.items():
                flat[f"{key}.{inner}"] = nested
        else:
            flat[key] = value
    return flat


def to_csv(items: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """The rows as CSV text with a header; `columns` fixes the header (else every row's keys)."""
    rows = [_flat(item) for item in items]
    # Every column any row has, in the order they first appear (rows of one list share their keys,
    # but an optional nested object may be absent from the first).
    header = columns or list(dict.fromkeys(name for row in rows for name in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in header])
    return out.getvalue()


def wants_csv(format_: str | None, accept: str | None) -> bool:
    """`?format=csv`, or an Accept header naming text/csv; other formats are refused."""
    if format_ is not None and format_.strip() != "":
        if format_.strip().lower() not in ("csv", "json"):
            raise InvalidField("format", "must be csv or json")
        return format_.strip().lower() == "csv"
    return "text/csv" in (accept or "").lower()


def csv_filename(name: str, when: DateRange) -> str:
    parts = [name]
    if when.start is not None:
        parts.append(when.start.date().isoformat())
    if when.end is not None:
        parts.append((when.end - timedelta(microseconds=1)).date().isoformat())
    return "-".join(parts) + ".csv"


# A CSV holds every row of the filter, fetched page by page; past this many the export stops
# (narrow the date range) rather than hold an unbounded answer in memory.
CSV_MAX_ROWS = 50_000


async def every_row(fetch: Callable[[PageRequest], Awaitable[dict[str, Any]]]) -> list[dict[str, Any]]:
    """All items of a paged view (its `items`, page after page of the largest size)."""
    items: list[dict[str, Any]] = []
    number = 1
    while len(items) < CSV_MAX_ROWS:
        listed = await fetch(PageRequest(number, MAX_PER_PAGE))
        items.extend(listed["items"])
        if number >= int(listed.get("pages", 1)) or not listed["items"]:
            break
        number += 1
    return items[:CSV_MAX_ROWS]
