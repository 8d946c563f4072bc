"""Operator accounts (admin only): who can sign in with which role; add one (its one-time
password and TOTP secret are shown on the next page, once, as `peerx operators create` prints
them) or disable one (its open sessions end at once). Both are audited, never with a secret."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response

from peerx.console import audit, auth
from peerx.console.render import NavItem, flash, redirect, render
from peerx.core.errors import InvalidField, NotFound
from peerx.ops.operators import accounts as operator_accounts
from peerx.ops.operators.models import ROLES, Operator
from peerx.platform import Platform
from peerx.web import PlatformDep, Session

router = APIRouter(prefix="/operators")
nav = NavItem("Operators", "/operators", ())  # no role but admin

Admin = Annotated[Operator, Depends(auth.require())]


@router.get("")
async def accounts(request: Request, session: Session, platform: PlatformDep, operator: Admin) -> Response:
    return await _page(request, session, platform, operator)


async def _page(
    request: Request,
    session: Session,
    platform: Platform,
    operator: Operator,
    created: dict[str, Any] | None = None,
) -> Response:
    listed = await operator_accounts.list_operators(session, platform.keys.pepper)
    return render(
        request, "operators.html", title="Operators", operators=listed, roles=ROLES, me=operator.id, created=created
    )


@router.post("")
async def add(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Admin,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    created = await operator_accounts.create_operator(platform, session, email=email, role=role)
    after = {"email": created["email"], "role": created["role"]}
    await audit.record(session, operator, "operators.created", f"operator:{created['id']}", None, after)
    # Rendered, not redirected: the credentials live only in this response (Cache-Control: no-store).
    return await _page(request, session, platform, operator, created=created)


@router.post("/{operator_id}/disable")
async def disable(
    request: Request, session: Session, platform: PlatformDep, operator: Admin, operator_id: int
) -> Response:
    if operator_id == operator.id:
        raise InvalidField("operator", "an admin cannot disable their own account")
    found = await session.get(Operator, operator_id)
    if found is None:
        raise NotFound(f"no operator {operator_id}")
    locked = await operator_accounts.is_locked(session, platform.keys.pepper, found.email)
    target = operator_accounts.account_view(found, locked=locked)
    before = {"email": target["email"], "role": target["role"], "state": target["state"]}
    await operator_accounts.disable_operator(platform, session, email=target["email"])
    after = {**before, "state": "disabled"}
    await audit.record(session, operator, "operators.disabled", f"operator:{operator_id}", before, after)
    flash(request, f"{target['email']} is disabled; their sessions have ended.")
    return redirect(request, "/operators")
