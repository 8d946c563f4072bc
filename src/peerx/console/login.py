"""Login (email + password, then a TOTP code), choosing one's own password (required after the
generated one-time password), and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from peerx.console import audit, auth
from peerx.console.render import flash, redirect, render
from peerx.core.errors import InvalidField
from peerx.ops.operators import accounts
from peerx.ops.operators.models import Operator
from peerx.web import PlatformDep, Session

router = APIRouter()


def _login_page(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    next_path = auth.safe_next(request, request.query_params.get("next"))
    return render(request, "login.html", status_code=status_code, error=error, next_path=next_path)


@router.get("/login")
async def login_form(request: Request, session: Session) -> Response:
    if await auth.current_operator(request, session) is not None:
        return redirect(request, "/")
    return _login_page(request)


@router.post("/login")
async def login_password(
    request: Request,
    session: Session,
    platform: PlatformDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next_path: Annotated[str, Form(alias="next")] = "",
) -> Response:
    try:
        operator = await accounts.check_password(session, platform.keys.pepper, email, password)
    except accounts.LoginFailed as failed:
        # The failure count is committed with this request; the answer does not say which part was wrong.
        return render(request, "login.html", status_code=401, error=failed.message, next_path=next_path)
    auth.start_pending(request, operator)
    request.session["next"] = auth.safe_next(request, next_path)
    return redirect(request, "/login/totp")


@router.get("/login/totp")
async def totp_form(request: Request, session: Session) -> Response:
    if await auth.pending_operator(request, session) is None:
        request.session.clear()
        return redirect(request, "/login")
    return render(request, "totp.html", error=None)


@router.post("/login/totp")
async def login_totp(
    request: Request, session: Session, platform: PlatformDep, code: Annotated[str, Form()] = ""
) -> Response:
    pending = await auth.pending_operator(request, session)
    if pending is None:
        request.session.clear()
        return redirect(request, "/login")
    try:
        operator = await accounts.check_totp(session, platform.keys.pepper, platform.keys.cipher, pending.id, code)
    except accounts.LoginFailed as failed:
        return render(request, "totp.html", status_code=401, error=failed.message)
    target = str(request.session.get("next") or auth.safe_next(request, None))
    auth.start_session(request, operator)
    await audit.record(session, operator, "operator.login", f"operator:{operator.id}", None, None)
    return RedirectResponse(target, status_code=303)


SignedIn = Annotated[Operator, Depends(auth.signed_in)]


def _password_page(
    request: Request, operator: Operator, *, error: str | None = None, status_code: int = 200
) -> Response:
    first = operator.password_changed_at is None
    return render(
        request,
        "password.html",
        status_code=status_code,
        title="Choose a password" if first else "Change password",
        first=first,
        error=error,
        min_length=accounts.MIN_PASSWORD_LENGTH,
    )


@router.get("/password")
async def password_form(request: Request, operator: SignedIn) -> Response:
    return _password_page(request, operator)


@router.post("/password")
async def change_password(
    request: Request,
    session: Session,
    operator: SignedIn,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    repeat_password: Annotated[str, Form()] = "",
) -> Response:
    try:
        await accounts.change_password(operator, current=current_password, new=new_password, repeated=repeat_password)
    except InvalidField as refused:
        return _password_page(request, operator, error=refused.message, status_code=400)
    auth.start_session(request, operator)  # every other session of theirs has ended; this one goes on
    await audit.record(session, operator, "operator.password_changed", f"operator:{operator.id}", None, None)
    flash(request, "Password changed. Your other sessions have ended.")
    return redirect(request, "/")


@router.post("/logout")
async def logout(request: Request, session: Session) -> Response:
    operator = await auth.current_operator(request, session)
    if operator is not None:
        await audit.record(session, operator, "operator.logout", f"operator:{operator.id}", None, None)
        await auth.end_session(request, session, operator)
    request.session.clear()
    return redirect(request, "/login")
