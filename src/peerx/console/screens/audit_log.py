"""The audit log: every operator action with who, when, and the object before and after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from peerx.console import audit
from peerx.console.auth import require
from peerx.console.render import NavItem, render
from peerx.ops.operators.models import VIEWER, Operator
from peerx.web import Session, page_params

router = APIRouter(prefix="/audit")
# Auditors (viewer) and admins; desk roles do not read each other's trail.
nav = NavItem("Audit log", "/audit", (VIEWER,))


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
    entries, total = await audit.entries(session, search=q or None, page=number, per_page=size)
    return render(
        request, "audit.html", title="Audit log", entries=entries, total=total, page=number, per_page=size, q=q
    )
