"""The Trustap document's formats shared by every view: the surface name and the time format."""

from __future__ import annotations

from datetime import datetime

SURFACE = "trustap"


def wire_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")
