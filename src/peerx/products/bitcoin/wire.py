"""Timestamps as the document prints them (reading requests is the wire models' job: schemas.py)."""

from __future__ import annotations

from datetime import datetime


def wire_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def millis(value: datetime) -> int:
    return int(value.timestamp() * 1000)
