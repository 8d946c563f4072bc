"""The console application, mounted at /console by peerx.app.create_app.

How to add a screen (one module per screen, in peerx/console/screens/):

1. Create screens/<name>.py with
       router = APIRouter()
       nav = NavItem("Title", "/<name>", FINANCE_READERS)   # or None to stay out of the menu
   Every route takes `operator: Operator = Depends(require(...))` with the roles that may use it
   (auth.EVERYONE, auth.FINANCE_READERS, FINANCE, REVIEWER...; admin always passes) and
   `session: Session` (peerx.web) for its unit of work.
2. Read data and act through peerx.ops functions (platform, session, ...) -> plain dicts; add read
   functions to ops where a screen needs them. Never touch product tables from a screen.
3. Pages: `render(request, "<name>/page.html", **context)`; templates extend "base.html" and put
   `{{ csrf_input() }}`-style hidden field in each form: <input type="hidden" name="{{ csrf_field }}"
   value="{{ csrf_token }}"> (htmx requests get the header from <body hx-headers>).
4. Every action: `await audit.record(session, operator, "thing.done", subject, before, after)`,
   then `flash(request, "...")` and `redirect(request, "/path")` (both in render.py; 303, so a
   reload never repeats the action).
   A PeerxError raised by an ops action rolls the whole request back and shows its message.
5. Add the module to SCREENS below, in menu order. Tests in tests/console/ use the fixtures of
   tests/console/conftest.py (a real server, operators of each role, a logged-in browser page).
"""

from __future__ import annotations

import hashlib
import hmac
import html
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from peerx.console import csrf, login
from peerx.console.auth import (
    SESSION_LIMIT_SECONDS,
    LoginRequired,
    NotAllowed,
    PasswordChangeRequired,
    console_root,
    login_url,
)
from peerx.console.render import came_from, flash, redirect, render
from peerx.console.screens import (
    accounts,
    audit_log,
    bitcoin,
    dashboard,
    escrow,
    giftcards,
    ledger,
    operators,
    payouts,
    rates,
    remittances,
    vouchers,
    webhooks,
)
from peerx.core.errors import Conflict, Forbidden, NotFound, PeerxError
from peerx.platform import Platform
from peerx.web import error_status
from peerx.web.edge import BodyGate, BodyLimits

# ---- The screens, in menu order. Console part 2 adds its modules here. ----
SCREENS: tuple[ModuleType, ...] = (
    dashboard,
    accounts,
    giftcards,
    rates,
    payouts,
    vouchers,
    remittances,
    escrow,
    ledger,
    webhooks,
    bitcoin,
    operators,
    audit_log,
)

STATIC = Path(__file__).parent / "static"
ERROR_STATUS: dict[type[PeerxError], int] = {NotFound: 404, Conflict: 409, Forbidden: 403}
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})

SECURITY_HEADERS = {
    # Scripts only from this console (htmx is a static file); no inline script, no eval.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # operator pages hold personal data: never in a shared cache
}


def session_secret(platform: Platform) -> str:
    """Derived from the platform's pepper: no separate secret to configure, and distinct from
    every other use of the pepper."""
    return hmac.new(platform.keys.pepper, b"peerx.console.session", hashlib.sha256).hexdigest()


def create_console(platform: Platform) -> FastAPI:
    console = FastAPI(
        title="peerx console", docs_url=None, redoc_url=None, openapi_url=None, dependencies=[Depends(csrf.protect)]
    )
    console.state.platform = platform
    console.state.console_nav = [screen.nav for screen in SCREENS if getattr(screen, "nav", None) is not None]
    host = urlsplit(platform.settings.public_base_url).hostname or "localhost"
    console.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(platform),
        session_cookie="peerx_console",
        max_age=SESSION_LIMIT_SECONDS,
        path="/console",
        same_site="lax",
        https_only=host not in LOOPBACK,  # Secure everywhere but a developer's own machine
    )

    @console.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    # Forms only: bodies over the form limit are refused before they are read, and a slow one
    # never holds a database connection (peerx.web.edge).
    limits = BodyLimits(
        json_bytes=platform.settings.max_form_bytes,
        form_bytes=platform.settings.max_form_bytes,
        upload_bytes=platform.settings.max_form_bytes,
        timeout_seconds=platform.settings.body_timeout_seconds,
        min_rate=platform.settings.body_min_rate_bytes,
    )
    console.add_middleware(BodyGate, limits=limits, render_error=_plain_error_page)
    _error_pages(console)
    console.mount("/static", StaticFiles(directory=STATIC), name="static")
    console.include_router(login.router)
    for screen in SCREENS:
        console.include_router(screen.router)
    return console


def _error_pages(console: FastAPI) -> None:
    @console.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> Response:
        target = login_url(request)
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @console.exception_handler(PasswordChangeRequired)
    async def _choose_password(request: Request, _: PasswordChangeRequired) -> Response:
        target = f"{console_root(request)}/password"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @console.exception_handler(NotAllowed)
    async def _forbidden(request: Request, _: NotAllowed) -> Response:
        return render(request, "error.html", status_code=403, title="Not allowed", message=FORBIDDEN)

    @console.exception_handler(csrf.CsrfRejected)
    async def _csrf(request: Request, _: csrf.CsrfRejected) -> Response:
        message = "The form was missing its security token or it had expired. Reload the page and try again."
        return render(request, "error.html", status_code=403, title="Request refused", message=message)

    @console.exception_handler(PeerxError)
    async def _peerx(request: Request, exc: PeerxError) -> Response:
        # The request's unit of work has rolled back. After a form, go back to it with the reason.
        back = came_from(request)
        if request.method not in csrf.SAFE_METHODS and back is not None:
            flash(request, exc.message, "error")
            return redirect(request, back)
        status = error_status(exc, ERROR_STATUS, 400)
        return render(request, "error.html", status_code=status, title="Not done", message=exc.message)

    @console.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        field = str(first.get("loc", ["request"])[-1])
        message = f"{field} {str(first.get('msg', 'is invalid')).lower()}"
        return render(request, "error.html", status_code=400, title="Not done", message=message)

    @console.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = "Not found" if exc.status_code == 404 else "Error"
        return render(request, "error.html", status_code=exc.status_code, title=title, message=str(exc.detail))


FORBIDDEN = "Your role does not give access to this page."


def _plain_error_page(exc: PeerxError) -> Response:
    """The edge's refusals, before any session or template context exists."""
    status = error_status(exc, ERROR_STATUS, 400)
    body = f"<!doctype html><html lang=en><title>Request refused</title><p>{html.escape(exc.message)}</p></html>"
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


def mount(app: FastAPI, platform: Platform) -> None:
    app.mount("/console", create_console(platform))
