"""Pages: one Jinja2 environment (autoescaped), filters that print money with its currency and
the currency's decimals (core.money) and dates in UTC, and `render` that gives every template
the operator, the navigation their role may reach, the CSRF token and the flash messages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from peerx.console import csrf
from peerx.console.auth import Guard, console_root
from peerx.core.money import format_amount, format_money

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class NavItem:
    """A screen's entry in the navigation, shown only to roles its guard allows."""

    title: str
    path: str  # below the console root, e.g. "/giftcards"
    roles: tuple[str, ...]


def money(amount_minor: int | None, currency: str) -> str:
    """12345, "GHS" -> "GHS 123.45"; 1500, "XAF" -> "XAF 1,500"; sats print as BTC with 8 decimals."""
    if amount_minor is None:
        return "—"
    return format_money(amount_minor, currency)


def amount(value: Decimal | str | None, currency: str) -> str:
    """A Decimal major-unit amount (as product views give them) with the currency's decimals."""
    if value is None or value == "":
        return "—"
    return format_amount(Decimal(value), currency)


def when(moment: datetime | str | None) -> str:
    if moment is None or moment == "":
        return "—"
    parsed = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return parsed.strftime("%Y-%m-%d %H:%M UTC")


def pretty_json(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,  # a misspelt variable fails the page (and its test), not silently blank
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(money=money, amount=amount, when=when, pretty_json=pretty_json)


def add_template_dir(path: Path) -> None:
    """Lets a screen package keep its templates beside it (part of the console or not)."""
    loader = environment.loader
    assert isinstance(loader, FileSystemLoader)
    if str(path) not in [str(p) for p in loader.searchpath]:
        loader.searchpath.append(str(path))


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A message shown once, on the next page rendered (after the redirect that follows an action)."""
    request.session["flash"] = [*request.session.get("flash", []), {"kind": kind, "message": message}]


def url_with(request: Request, **changes: object) -> str:
    """This page's URL with some query parameters changed (pagination, filters)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def redirect(request: Request, path: str) -> Response:
    """After an action: 303 to a console path, so a reload never repeats the action (htmx
    requests get HX-Redirect, which htmx follows)."""
    target = f"{console_root(request)}{path}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def came_from(request: Request) -> str | None:
    """The console page (path below the root, with its query) a form was posted from, if any."""
    referer = urlsplit(request.headers.get("referer", ""))
    root = console_root(request)
    if referer.netloc != request.url.netloc or not referer.path.startswith(f"{root}/"):
        return None
    path = referer.path.removeprefix(root)
    return path + (f"?{referer.query}" if referer.query else "")


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    operator = getattr(request.state, "operator", None)
    nav: list[NavItem] = getattr(request.app.state, "console_nav", [])
    root = console_root(request)
    page = environment.get_template(template).render(
        request=request,
        root=root,
        operator=operator,
        nav=[item for item in nav if operator is not None and Guard(item.roles).allows(operator.role)],
        csrf_token=csrf.token(request),
        csrf_field=csrf.FIELD,
        flashes=request.session.pop("flash", []),
        url_with=lambda **changes: url_with(request, **changes),
        **{"names": {}, **context},  # account id -> name, for the `account` macro
    )
    return HTMLResponse(page, status_code=status_code)
