"""The Trustap document's formats shared by every view: the surface name, the time format, and the
public spec's shape of a transaction (for `openapi` clients: shapes.py, and their webhooks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

SURFACE = "trustap"


def wire_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


OPENAPI_SHAPE = "openapi"  # OAuthClient.shape of the clients answered in the public spec's schemas
# The document's second names for fields the spec names otherwise (both are in the document's body).
DOCUMENT_ONLY = frozenset({"descr", "funds_release"})


def spec_transaction(view: dict[str, Any]) -> dict[str, Any]:
    """A transaction view (online or face to face) as the spec's basic.Transaction / p2p.Transaction:
    `buyer_id`/`seller_id` strings, `complaint` the Complaint object, the document's second names
    left out. peerx's own further fields stay: the spec's schemas allow further properties."""
    out: dict[str, Any] = {}
    for key, value in view.items():
        if key in DOCUMENT_ONLY:
            continue
        if key in ("buyer_id", "seller_id") and isinstance(value, int):
            value = str(value)
        elif key == "complaint" and isinstance(value, str):
            value = {"description": value}
        out[key] = value
    return out
