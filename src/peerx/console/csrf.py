"""CSRF: one random token per session, rendered into every form (field csrf_token) and sent by
htmx in the X-CSRF-Token header (hx-headers on <body>). Every non-GET request must carry it;
without it the request is refused before any handler runs, so nothing is done."""

from __future__ import annotations

import secrets

from fastapi import Request

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRejected(Exception):
    """Missing or wrong token: the console answers 403."""


def token(request: Request) -> str:
    """This session's token, created on first use (the login form needs one before any login)."""
    current = request.session.get("csrf")
    if not isinstance(current, str) or not current:
        current = secrets.token_urlsafe(32)
        request.session["csrf"] = current
    return current


async def protect(request: Request) -> None:
    """App-wide dependency of the console."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    given = request.headers.get(HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(FIELD)
        given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not expected or not given or not secrets.compare_digest(expected, given):
        raise CsrfRejected()
