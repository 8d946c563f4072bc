"""Console fixtures: operators of every role, a logged-in httpx client (in-process), a real
uvicorn server on a free 127.0.0.1 port against the test database, and a headless Chromium
page driven by Playwright (Debian's /usr/bin/chromium; Playwright's own browsers are never
downloaded). Browser tests skip only when Chromium is absent and PEERX_TEST_REQUIRE_BROWSER
is unset; CI sets it, so there they fail instead."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from peerx.core.clock import clock
from peerx.core.db import utcnow
from peerx.ops.operators import accounts
from peerx.ops.operators.models import Operator
from peerx.platform import Platform
from peerx.settings import Settings
from tests.fixtures.live_server import LiveServer

CHROMIUM = os.environ.get("PEERX_TEST_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = bool(os.environ.get("PEERX_TEST_REQUIRE_BROWSER"))
SCREENSHOTS = os.environ.get("PEERX_CONSOLE_SCREENSHOTS", "")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now, by the platform's clock (tests move it)."""
    return pyotp.TOTP(secret).at(clock.now())


def next_code_window() -> None:
    """Codes are accepted once: a second login of the same operator waits for the next one."""
    clock.advance(timedelta(seconds=30))


async def make_operator(
    platform: Platform, role: str, email: str | None = None, *, first_login: bool = False
) -> dict[str, Any]:
    """An operator as `peerx operators create` makes one; unless `first_login`, one who has since
    chosen their own password (set here to the generated one, so tests log in with it)."""
    async with platform.db.transaction() as session:
        created = await accounts.create_operator(platform, session, email=email or f"{role}@ops.example", role=role)
        if not first_login:
            operator = await session.get(Operator, created["id"])
            assert operator is not None
            operator.password_changed_at = utcnow()
        return created


@pytest.fixture
async def operators(platform: Platform) -> dict[str, dict[str, Any]]:
    return {role: await make_operator(platform, role) for role in ("viewer", "reviewer", "finance", "admin")}


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


async def console_login(client: httpx.AsyncClient, operator: dict[str, Any]) -> str:
    """Log in over HTTP as a browser would; returns the session's CSRF token."""
    page = await client.get("/console/login")
    resp = await client.post(
        "/console/login",
        data={"email": operator["email"], "password": operator["password"], "csrf_token": csrf_of(page.text)},
    )
    assert resp.status_code == 303 and resp.headers["location"].endswith("/console/login/totp"), resp.text
    page = await client.get("/console/login/totp")
    resp = await client.post(
        "/console/login/totp", data={"code": totp_code(operator["totp_secret"]), "csrf_token": csrf_of(page.text)}
    )
    assert resp.status_code == 303, resp.text
    home = await client.get("/console/")
    if home.status_code == 303:  # first login: every page sends the operator to choose a password
        assert home.headers["location"].endswith("/console/password")
        home = await client.get("/console/password")
    return csrf_of(home.text)


# ---------------------------------------------------------------- a real server


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The whole app (console, PeerTupeer, ops API) served by uvicorn in a thread, with its own
    Platform on the test's database; the test's `platform` fixture sees the same data."""
    server = LiveServer(settings)
    server.start()
    yield server.url
    server.stop()


# ---------------------------------------------------------------- the browser


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium (the `page` fixture)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test that takes a browser page is a browser test: `-m browser` / `-m "not browser"`.
    for item in items:
        if "page" in getattr(item, "fixturenames", ()) and Path(__file__).parent in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if REQUIRE_BROWSER:
        pytest.fail(f"Chromium not found at {CHROMIUM} (PEERX_TEST_REQUIRE_BROWSER is set)")
    pytest.skip(f"Chromium not found at {CHROMIUM}")


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    executable = _chromium_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1440, "height": 900})
        opened = await context.new_page()
        opened.set_default_timeout(15_000)
        # Script errors and Content-Security-Policy violations show up as console errors.
        errors: list[str] = []
        opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        opened.on("pageerror", lambda error: errors.append(str(error)))
        opened.console_errors = errors
        try:
            yield opened
        finally:
            await context.close()
            await browser.close()


async def shoot(page: Any, name: str) -> None:
    """Save the screen as docs' image when PEERX_CONSOLE_SCREENSHOTS names a directory."""
    if not SCREENSHOTS:
        return
    target = Path(SCREENSHOTS)
    target.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(target / f"{name}.png"), full_page=True)


async def browser_login(page: Any, base_url: str, operator: dict[str, Any], *, screenshot: bool = False) -> None:
    await page.goto(f"{base_url}/console/")
    assert "/console/login" in page.url
    await page.fill("input[name=email]", operator["email"])
    await page.fill("input[name=password]", operator["password"])
    if screenshot:
        await shoot(page, "login")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console/login/totp")
    await page.fill("input[name=code]", totp_code(operator["totp_secret"]))
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base_url}/console/")
