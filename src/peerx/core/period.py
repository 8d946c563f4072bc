"""A period of time that lists are filtered by (an operator's `from`/`to`): [start, end), either
end open. Products' list queries take one, so every list filters by date the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class Period:
    start: datetime | None = None
    end: datetime | None = None

    def apply(self, query: Query, column: ColumnElement[Any] | Any) -> Query:
        """`query` keeping the rows whose `column` falls in the period."""
        if self.start is not None:
            query = query.where(column >= self.start)
        if self.end is not None:
            query = query.where(column < self.end)
        return query

    @property
    def empty(self) -> bool:
        return self.start is None and self.end is None


ALWAYS = Period()
