"""The audit log: every operator action with who, when, and the object before and after."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from peerx.console import audit, export
from peerx.console.auth import require
from peerx.console.render import NavItem, render
from peerx.core.encoding import dumps
from peerx.ops.operators.models import VIEWER, Operator
from peerx.ops.views.common import PageRequest, page_dict
from peerx.web import Session, page_params

router = APIRouter(prefix="/audit")
# Auditors (viewer) and admins; desk roles do not read each other's trail.
nav = NavItem("Audit log", "/audit", (VIEWER,))


def _json(value: Any) -> str | None:
    return None if value is None else dumps(value)


@router.get("")
async def log(
    request: Request,
    session: Session,
    operator: Annotated[Operator, Depends(require(VIEWER))],
    q: str = "",
    page: str | None = None,
    per_page: str | None = None,
) -> Response:
    number, size = page_params(page, per_page, default_size=50, max_size=200)
    when, dates = export.dates(request)

    async def fetch(window: PageRequest) -> dict[str, Any]:
        found, count = await audit.entries(session, search=q or None, when=when, **window.window())
        # The objects before and after stay whole: one JSON cell each, not a column per field.
        cells = [{**e, "before": _json(e["before"]), "after": _json(e["after"])} for e in found]
        return page_dict(cells, count, window)

    if export.asked(request):
        return await export.csv_response(fetch, name="audit", when=when)
    entries, total = await audit.entries(session, search=q or None, page=number, per_page=size, when=when)
    return render(
        request,
        "audit.html",
        title="Audit log",
        entries=entries,
        total=total,
        page=number,
        per_page=size,
        q=q,
        filters=dates,
    )
