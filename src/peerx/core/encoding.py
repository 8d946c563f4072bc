"""JSON as the documents show it: Decimals keep their exact digits (850.00 stays 850.00)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import simplejson


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(value: Any) -> str:
    return simplejson.dumps(value, use_decimal=True, default=_default, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """Numbers come back as Decimal, never float."""
    return simplejson.loads(text, use_decimal=True)
