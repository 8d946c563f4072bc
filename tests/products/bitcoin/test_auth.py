"""Registration and authentication as the app does them; the document's error codes."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx

from peerx.core.clock import clock
from tests.fixtures.factories.bitcoin import PEACH, App


async def test_register_then_auth_with_hex_and_base64_signatures(client: httpx.AsyncClient) -> None:
    app = App(client)
    registered = await client.post(f"{PEACH}/user/register", json=app.auth_body())
    assert registered.status_code == 200
    body = registered.json()
    assert set(body) == {"expiry", "accessToken"}
    assert abs(body["expiry"] - (clock.now() + timedelta(minutes=60)).timestamp() * 1000) < 5_000

    again = await client.post(f"{PEACH}/user/register/", json=app.auth_body())
    assert again.status_code == 401 and again.json()["error"] == "USER_EXISTS"

    signed = app.auth_body()
    signed["signature"] = base64.b64encode(bytes.fromhex(signed["signature"])).decode()
    auth = await client.post(f"{PEACH}/user/auth/", json=signed)
    assert auth.status_code == 200
    token = auth.json()["accessToken"]
    for header in (f"Bearer {token}", f"Basic {token}"):
        me = await client.get(f"{PEACH}/user/me", headers={"Authorization": header})
        assert me.status_code == 200 and me.json()["id"] == app.id
    assert (await client.post(f"{PEACH}/user/auth", json=signed)).json()["error"] == "AUTHENTICATION_FAILED"


async def test_auth_registers_an_unknown_key_and_refuses_stale_and_forged(client: httpx.AsyncClient) -> None:
    app = App(client)
    stale = await client.post(f"{PEACH}/user/auth", json=app.auth_body(offset_ms=-3_600_000))
    assert stale.status_code == 401 and stale.json()["error"] == "AUTHENTICATION_FAILED"
    forged = app.auth_body()
    forged["signature"] = App(client).sign(forged["message"])
    refused = await client.post(f"{PEACH}/user/auth", json=forged)
    assert refused.status_code == 400
    assert refused.json() == {"error": "INVALID_SIGNATURE", "message": refused.json()["message"]}
    wrong = await client.post(f"{PEACH}/user/auth", json={**app.auth_body(), "message": "hello"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "FORM_INVALID"
    assert (await client.get(f"{PEACH}/user/{app.id}")).json()["error"] == "NOT_FOUND"

    ok = await client.post(f"{PEACH}/user/auth", json=app.auth_body())
    assert ok.status_code == 200
    public = (await client.get(f"{PEACH}/user/{app.id}")).json()
    assert public["id"] == app.id and public["trades"] == 0 and public["disputes"] == {"opened": 0, "won": 0, "lost": 0}


async def test_tokens_expire_after_sixty_minutes_and_logout_ends_them(client: httpx.AsyncClient) -> None:
    app = await App(client).register()
    assert (await app.get("/user/me")).status_code == 200
    clock.advance(timedelta(minutes=61))
    expired = await app.get("/user/me")
    assert expired.status_code == 401 and expired.json()["error"] == "AUTHENTICATION_FAILED"
    app.token = (await client.post(f"{PEACH}/user/auth", json=app.auth_body())).json()["accessToken"]
    assert (await app.patch("/user/logout")).json() == {"success": True}
    assert (await app.get("/user/me")).status_code == 401
    assert (await client.get(f"{PEACH}/user/me")).json()["error"] == "UNAUTHORIZED"
