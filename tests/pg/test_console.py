"""The console's login on PostgreSQL, where requests really overlap: racing wrong passwords are
all counted (the lock comes after exactly five), and one TOTP code opens one session only."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from peerx.app import create_app
from peerx.core.ratelimit import LoginThrottle
from peerx.ops.operators import accounts
from peerx.platform import Platform
from tests.console.conftest import csrf_of, make_operator, totp_code


def browser(platform: Platform) -> httpx.AsyncClient:
    """A client with its own cookie jar: one operator's browser."""
    app = create_app(platform=platform)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://peerx.test")


async def password_step(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await client.get("/console/login")
    return await client.post(
        "/console/login", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)}
    )


async def test_racing_wrong_passwords_are_all_counted(platform: Platform) -> None:
    admin = await make_operator(platform, "admin")
    clients = [browser(platform) for _ in range(8)]
    try:
        answers = await asyncio.gather(*(password_step(c, admin["email"], "guess") for c in clients))
        assert all(a.status_code == 401 for a in answers)
        # Five failures counted one after another lock the account; the rest meet the lock.
        assert sum("locked" in a.text for a in answers) == 3
        assert (await password_step(clients[0], admin["email"], admin["password"])).status_code == 401
    finally:
        for client in clients:
            await client.aclose()
    async with platform.db.transaction() as session:
        assert await accounts.is_locked(session, platform.keys.pepper, admin["email"])
        row = await session.scalar(select(LoginThrottle))
    assert row is not None and row.failures == 0 and row.locked_until is not None


async def test_racing_guesses_at_an_unknown_email_are_counted_alike(platform: Platform) -> None:
    clients = [browser(platform) for _ in range(8)]
    try:
        answers = await asyncio.gather(*(password_step(c, "ghost@ops.example", "guess") for c in clients))
        assert all(a.status_code == 401 for a in answers)
        assert sum("locked" in a.text for a in answers) == 3
    finally:
        for client in clients:
            await client.aclose()


async def test_one_totp_code_opens_one_session(platform: Platform) -> None:
    admin = await make_operator(platform, "admin")
    first, second = browser(platform), browser(platform)
    try:
        for client in (first, second):
            assert (await password_step(client, admin["email"], admin["password"])).status_code == 303
        pages = [await client.get("/console/login/totp") for client in (first, second)]
        code = totp_code(admin["totp_secret"])
        answers = await asyncio.gather(
            *(
                client.post("/console/login/totp", data={"code": code, "csrf_token": csrf_of(page.text)})
                for client, page in zip((first, second), pages, strict=True)
            )
        )
        assert sorted(a.status_code for a in answers) == [303, 401]
    finally:
        await first.aclose()
        await second.aclose()
