"""The operator console: a whole login (login page, password checked with argon2id in a worker
thread, TOTP page, code checked) and a dashboard page for a logged-in admin, over HTTP through
the ASGI app, on SQLite and PostgreSQL.

The limits, measured in the same run: for a login, what no login can skip (one argon2id verify
with the same parameters in a worker thread and one TOTP check, with no HTTP and no database);
for the page, a bare Starlette app answering the same HTML bytes through the same transport (so
the gap is the page's queries, session check and template).

`python -m bench.console_login [sqlite] [postgresql]` prints the table."""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import UTC, datetime
from typing import Any

import httpx
import pyotp
from argon2 import PasswordHasher
from sqlalchemy import update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from bench.common import HEADER, Result, bench_platform, machine, measure
from peerx.app import create_app
from peerx.core.clock import clock
from peerx.core.db import utcnow
from peerx.ops.operators import accounts as operator_accounts
from peerx.ops.operators.models import Operator

LOGINS = 40  # each a different operator: a TOTP code is accepted once per operator
PAGES = 200
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field"
    return found.group(1)


async def _login(client: httpx.AsyncClient, operator: dict[str, Any]) -> None:
    page = await client.get("/console/login")
    form = {"email": operator["email"], "password": operator["password"], "csrf_token": _csrf(page.text)}
    assert (await client.post("/console/login", data=form)).status_code == 303
    page = await client.get("/console/login/totp")
    code = pyotp.TOTP(operator["totp_secret"]).at(clock.now())
    done = await client.post("/console/login/totp", data={"code": code, "csrf_token": _csrf(page.text)})
    assert done.status_code == 303, done.text


async def run(database: str) -> list[Result]:
    results = []
    async with bench_platform(database) as platform:
        app = create_app(platform=platform)
        async with platform.db.transaction() as session:
            operators = [
                await operator_accounts.create_operator(platform, session, email=f"op{i}@bench.example", role="admin")
                for i in range(2 * LOGINS + 1)
            ]
            # As if each had replaced the one-time password already (it stays the same here).
            await session.execute(update(Operator).values(password_changed_at=utcnow()))

        def client() -> httpx.AsyncClient:
            return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")

        for concurrency, batch in ((1, operators[:LOGINS]), (4, operators[LOGINS : 2 * LOGINS])):

            async def login(i: int, batch: list[dict[str, Any]] = batch) -> None:
                async with client() as fresh:
                    await _login(fresh, batch[i])

            result = await measure(f"console login (x{concurrency})", database, LOGINS, concurrency, login)
            result.limit = await _bare_login(batch[0], concurrency)
            results.append(result)

        async with client() as admin:
            await _login(admin, operators[-1])

            async def dashboard(_: int) -> None:
                resp = await admin.get("/console/")
                assert resp.status_code == 200 and "Dashboard" in resp.text

            await dashboard(-1)
            page = (await admin.get("/console/")).text
            for concurrency in (1, 4):
                name = f"console dashboard page (x{concurrency})"
                result = await measure(name, database, PAGES, concurrency, dashboard)
                result.limit = await _bare_page(page, concurrency)
                results.append(result)
    return results


async def _bare_login(operator: dict[str, Any], concurrency: int) -> Result:
    hasher = PasswordHasher()  # the parameters peerx's operator accounts use (the library's defaults)
    stored = hasher.hash(operator["password"])
    totp = pyotp.TOTP(operator["totp_secret"])

    async def check(_: int) -> None:
        assert await asyncio.to_thread(hasher.verify, stored, operator["password"])
        assert totp.verify(totp.now())

    return await measure("argon2id verify + TOTP check", "none", LOGINS, concurrency, check)


async def _bare_page(html: str, concurrency: int) -> Result:
    async def page(_: Request) -> HTMLResponse:
        return HTMLResponse(html)

    app = Starlette(routes=[Route("/console/", page)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as bare:

        async def get(_: int) -> None:
            assert (await bare.get("/console/")).status_code == 200

        return await measure("bare Starlette, same HTML", "none", PAGES, concurrency, get)


async def main(databases: list[str]) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}\n\n{HEADER}")
    for database in databases:
        for result in await run(database):
            print(result.row(), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or ["sqlite", "postgresql"]))
