"""Console authentication over plain HTTP: password then TOTP, lockout, session cookie flags,
redirects, roles, CSRF, logout, and the `peerx operators create` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import func, select

from peerx.app import create_app
from peerx.console.models import AuditEntry
from peerx.core.clock import clock
from peerx.core.errors import InvalidField, NotFound
from peerx.ops.operators import accounts
from peerx.ops.operators.accounts import disable_operator
from peerx.ops.operators.models import Operator
from peerx.platform import Platform
from tests.conftest import TEST_KEYS, make_settings
from tests.console.conftest import console_login, csrf_of, make_operator, next_code_window, totp_code
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.work import recording


async def _password_step(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await client.get("/console/login")
    return await client.post(
        "/console/login", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)}
    )


async def _audit_actions(platform: Platform) -> list[str]:
    async with platform.db.transaction() as session:
        return list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


async def test_login_needs_password_then_totp_and_sets_a_safe_cookie(client, platform, operators):
    admin = operators["admin"]
    resp = await _password_step(client, admin["email"], admin["password"])
    assert resp.status_code == 303 and resp.headers["location"] == "/console/login/totp"
    # Half logged in: no page yet.
    assert (await client.get("/console/")).status_code == 303
    page = await client.get("/console/login/totp")
    resp = await client.post(
        "/console/login/totp", data={"code": totp_code(admin["totp_secret"]), "csrf_token": csrf_of(page.text)}
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/console/"
    cookie = resp.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
    assert "secure" not in cookie  # public_base_url is 127.0.0.1 in tests
    dashboard = await client.get("/console/")
    assert dashboard.status_code == 200 and "admin@ops.example" in dashboard.text
    assert dashboard.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in dashboard.headers["content-security-policy"]
    assert await _audit_actions(platform) == ["operator.login"]


async def test_cookie_is_secure_when_the_console_is_not_on_localhost(tmp_path, database_url, operators):
    settings = make_settings(tmp_path, database_url, public_base_url="https://console.example")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://console.example") as https:
        resp = await https.get("/console/login")
        assert "secure" in resp.headers["set-cookie"].lower()
    await app.state.platform.aclose()


async def test_wrong_password_wrong_email_and_wrong_code_look_the_same(client, operators):
    admin = operators["admin"]
    wrong_password = await _password_step(client, admin["email"], "not-it")
    unknown = await _password_step(client, "nobody@ops.example", admin["password"])
    assert wrong_password.status_code == unknown.status_code == 401
    assert "Wrong email, password or code." in wrong_password.text and "Wrong email, password or code." in unknown.text
    await _password_step(client, admin["email"], admin["password"])
    page = await client.get("/console/login/totp")
    bad = await client.post("/console/login/totp", data={"code": "000000", "csrf_token": csrf_of(page.text)})
    assert bad.status_code == 401 and "Wrong email, password or code." in bad.text
    assert (await client.get("/console/")).status_code == 303


async def test_a_totp_code_is_accepted_once(client, platform, operators):
    admin = operators["admin"]
    await console_login(client, admin)
    client.cookies.clear()
    await _password_step(client, admin["email"], admin["password"])
    page = await client.get("/console/login/totp")
    replay = await client.post(
        "/console/login/totp", data={"code": totp_code(admin["totp_secret"]), "csrf_token": csrf_of(page.text)}
    )
    assert replay.status_code == 401
    next_code_window()
    client.cookies.clear()
    await console_login(client, admin)


def _state_on_operators_screen(html: str, operator_id: int) -> str:
    row = html.split(f'id="operator-{operator_id}"')[1].split("</tr>")[0]
    return row.split("</td><td>")[2].split("</td>")[0]


async def test_lockout_after_repeated_failures_then_unlocks(client, platform, operators):
    finance = operators["finance"]
    for _ in range(5):
        assert (await _password_step(client, finance["email"], "guess")).status_code == 401
    locked = await _password_step(client, finance["email"], finance["password"])
    assert locked.status_code == 401 and "locked" in locked.text
    transport = httpx.ASGITransport(app=create_app(platform=platform))
    async with httpx.AsyncClient(transport=transport, base_url="http://peerx.test") as admin:
        await console_login(admin, operators["admin"])
        screen = (await admin.get("/console/operators")).text
        assert _state_on_operators_screen(screen, finance["id"]) == "locked"
        assert _state_on_operators_screen(screen, operators["viewer"]["id"]) == "active"
    clock.advance(timedelta(minutes=14, seconds=50))
    assert "locked" in (await _password_step(client, finance["email"], finance["password"])).text
    clock.advance(timedelta(seconds=11))
    await console_login(client, finance)


def _without_session_secrets(html: str) -> str:
    """The page as any visitor gets it: the CSRF token is each session's own."""
    return html.replace(csrf_of(html), "")


async def test_a_locked_unknown_email_is_answered_as_a_locked_operator(platform, operators, monkeypatch):
    """Unknown emails are counted and locked like operators' emails: the same answer (message,
    status), the same statements and the same argon2 work, whether or not an operator has it."""
    finance = operators["finance"]
    transport = httpx.ASGITransport(app=create_app(platform=platform))
    known_browser = httpx.AsyncClient(transport=transport, base_url="http://peerx.test")
    unknown_browser = httpx.AsyncClient(transport=transport, base_url="http://peerx.test")
    async with known_browser, unknown_browser:
        with recording(platform, accounts, monkeypatch) as recorder:
            for attempt in range(1, 8):
                # Attempt 7 is the operator's right password, while the email is locked.
                password = finance["password"] if attempt == 7 else "not-it"
                known_page = await known_browser.get("/console/login")
                unknown_page = await unknown_browser.get("/console/login")
                with recorder.request() as known_work:
                    known = await known_browser.post(
                        "/console/login",
                        data={"email": finance["email"], "password": password, "csrf_token": csrf_of(known_page.text)},
                    )
                with recorder.request() as unknown_work:
                    unknown = await unknown_browser.post(
                        "/console/login",
                        data={
                            "email": "ghost@ops.example",
                            "password": password,
                            "csrf_token": csrf_of(unknown_page.text),
                        },
                    )
                assert known.status_code == unknown.status_code == 401
                assert _without_session_secrets(known.text) == _without_session_secrets(unknown.text)
                message = "Wrong email, password or code." if attempt <= 5 else "locked for a while"
                assert message in known.text
                assert sorted(known_work.statements) == sorted(unknown_work.statements) and known_work.statements
                assert known_work.verifications == unknown_work.verifications == (1 if attempt <= 5 else 0)

        clock.advance(timedelta(minutes=15, seconds=1))
        unlocked = await _password_step(unknown_browser, "ghost@ops.example", "not-it")
        assert unlocked.status_code == 401 and "Wrong email, password or code." in unlocked.text
        await console_login(known_browser, finance)


async def test_a_disabled_operator_is_counted_and_locked_like_anyone(client, platform, operators):
    viewer = operators["viewer"]
    async with platform.db.transaction() as session:
        await disable_operator(platform, session, email=viewer["email"])
    for _ in range(5):
        answer = await _password_step(client, viewer["email"], viewer["password"])
        assert answer.status_code == 401 and "Wrong email, password or code." in answer.text
    assert "locked for a while" in (await _password_step(client, viewer["email"], viewer["password"])).text


async def test_wrong_codes_count_towards_the_lockout(client, operators):
    viewer = operators["viewer"]
    await _password_step(client, viewer["email"], viewer["password"])
    for _ in range(5):
        page = await client.get("/console/login/totp")
        if page.status_code == 303:
            break
        await client.post("/console/login/totp", data={"code": "123456", "csrf_token": csrf_of(page.text)})
    # The lock ended the half-finished login, and the right password is now refused too.
    assert (await client.get("/console/login/totp")).status_code == 303
    locked = await _password_step(client, viewer["email"], viewer["password"])
    assert "locked" in locked.text


async def test_no_session_redirects_to_login_and_back(client, operators):
    resp = await client.get("/console/giftcards?status=pending")
    assert resp.status_code == 303
    assert resp.headers["location"] == "/console/login?next=/console/giftcards%3Fstatus%3Dpending"
    htmx = await client.get("/console/giftcards", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"].startswith("/console/login")
    # After logging in, the operator lands where they were going; never on another site.
    page = await client.get("/console/login?next=/console/rates")
    await client.post(
        "/console/login",
        data={
            "email": operators["viewer"]["email"],
            "password": operators["viewer"]["password"],
            "next": "/console/rates",
            "csrf_token": csrf_of(page.text),
        },
    )
    page = await client.get("/console/login/totp")
    done = await client.post(
        "/console/login/totp",
        data={"code": totp_code(operators["viewer"]["totp_secret"]), "csrf_token": csrf_of(page.text)},
    )
    assert done.headers["location"] == "/console/rates"


async def test_next_never_leaves_the_console(client, operators):
    admin = operators["admin"]
    page = await client.get("/console/login")
    await client.post(
        "/console/login",
        data={
            "email": admin["email"],
            "password": admin["password"],
            "next": "https://evil.example/console/",
            "csrf_token": csrf_of(page.text),
        },
    )
    page = await client.get("/console/login/totp")
    done = await client.post(
        "/console/login/totp", data={"code": totp_code(admin["totp_secret"]), "csrf_token": csrf_of(page.text)}
    )
    assert done.headers["location"] == "/console/"


async def test_roles_decide_what_a_page_shows_and_allows(client, platform, operators):
    await cards.rate(platform)
    await console_login(client, operators["reviewer"])
    home = await client.get("/console/")
    assert 'href="/console/giftcards"' in home.text and 'href="/console/audit"' not in home.text
    assert (await client.get("/console/rates")).status_code == 200
    forbidden = await client.get("/console/audit")
    assert forbidden.status_code == 403 and "does not give access" in forbidden.text
    token = csrf_of(home.text)
    edit = await client.post("/console/rates/1", data={"rate": "9", "fee_pct": "1", "csrf_token": token})
    assert edit.status_code == 403
    rates = (await client.get("/peertupeer/api/v1/rates.php")).json()["data"]
    assert str(rates[0]["rate_per_unit"]) == "8.5"
    assert await _audit_actions(platform) == ["operator.login"]


async def test_post_without_or_with_a_wrong_csrf_token_is_refused_and_does_nothing(client, platform, operators):
    await cards.rate(platform)
    token = await console_login(client, operators["finance"])
    missing = await client.post("/console/rates/1", data={"rate": "9", "fee_pct": "1", "active": "on"})
    wrong = await client.post("/console/rates/1", data={"rate": "9", "fee_pct": "1", "csrf_token": "x" * 43})
    header_wrong = await client.post(
        "/console/rates/1", data={"rate": "9", "fee_pct": "1"}, headers={"X-CSRF-Token": "nope"}
    )
    assert missing.status_code == wrong.status_code == header_wrong.status_code == 403
    assert "security token" in missing.text
    rates = (await client.get("/peertupeer/api/v1/rates.php")).json()["data"]
    assert str(rates[0]["rate_per_unit"]) == "8.5"
    # The same request with the token (form field or htmx header) goes through.
    ok = await client.post("/console/rates/1", data={"rate": "9", "fee_pct": "1", "active": "on", "csrf_token": token})
    assert ok.status_code == 303
    via_header = await client.post(
        "/console/rates/1",
        data={"rate": "9.25", "fee_pct": "1", "active": "on"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert via_header.status_code == 204 and via_header.headers["hx-redirect"] == "/console/rates"
    rates = (await client.get("/peertupeer/api/v1/rates.php")).json()["data"]
    assert str(rates[0]["rate_per_unit"]) == "9.25"


async def test_login_form_needs_its_csrf_token_too(client, operators):
    await client.get("/console/login")
    admin = operators["admin"]
    resp = await client.post("/console/login", data={"email": admin["email"], "password": admin["password"]})
    assert resp.status_code == 403


async def test_logout_ends_the_session_even_for_a_copied_cookie(client, platform, operators):
    token = await console_login(client, operators["admin"])
    copied = dict(client.cookies)
    resp = await client.post("/console/logout", data={"csrf_token": token})
    assert resp.status_code == 303 and resp.headers["location"] == "/console/login"
    assert (await client.get("/console/")).status_code == 303
    client.cookies.update(copied)
    assert (await client.get("/console/")).status_code == 303
    assert await _audit_actions(platform) == ["operator.login", "operator.logout"]


async def test_an_idle_session_expires(client, operators, monkeypatch):
    await console_login(client, operators["viewer"])
    real = __import__("time").time
    monkeypatch.setattr("peerx.console.auth.time.time", lambda: real() + 31 * 60)
    assert (await client.get("/console/")).status_code == 303


def test_cli_creates_an_operator_with_a_one_time_password(tmp_path: Path):
    env = {
        **os.environ,
        "PEERX_DATA_DIR": str(tmp_path),
        "PEERX_ENCRYPTION_KEYS": TEST_KEYS["encryption_keys"],
        "PEERX_HASH_PEPPER": TEST_KEYS["hash_pepper"],
    }
    env.pop("PEERX_DATABASE_URL", None)
    command = [sys.executable, "-m", "peerx.cli.main", "operators", "create"]
    options: dict[str, Any] = {"env": env, "capture_output": True, "text": True, "timeout": 60, "check": False}
    done = subprocess.run([*command, "--email", "Ada@Ops.example", "--role", "finance", "--json"], **options)
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert set(created) == {"id", "email", "role", "password", "totp_secret", "totp_uri"}
    assert created["email"] == "ada@ops.example" and created["role"] == "finance" and len(created["password"]) >= 20
    assert pyotp.parse_uri(created["totp_uri"]).secret == created["totp_secret"]
    again = subprocess.run([*command, "--email", "ada@ops.example", "--role", "finance"], **options)
    assert again.returncode == 1 and "already exists" in again.stderr


async def test_operator_email_and_role_are_checked(platform):
    for email, role, field in (("ada@ops.example", "root", "role"), ("not-an-email", "viewer", "email")):
        with pytest.raises(InvalidField) as refused:
            await make_operator(platform, role, email)
        assert refused.value.field == field
    async with platform.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Operator)) == 0


async def test_operator_rows_keep_no_secret_in_clear(platform, operators):
    async with platform.db.transaction() as session:
        row = await session.scalar(select(Operator).where(Operator.email == operators["admin"]["email"]))
        count = await session.scalar(select(func.count()).select_from(Operator))
    assert row is not None and count == 4
    assert row.password_hash.startswith("$argon2id$") and operators["admin"]["password"] not in row.password_hash
    assert operators["admin"]["totp_secret"] not in row.totp_secret_encrypted


async def test_a_disabled_operator_is_out_at_once(client, platform, operators):
    finance = operators["finance"]
    await console_login(client, finance)
    async with platform.db.transaction() as session:
        result = await disable_operator(platform, session, email="FINANCE@ops.example")
    assert result == {"id": finance["id"], "email": finance["email"], "role": "finance", "disabled": True}
    assert (await client.get("/console/")).status_code == 303
    refused = await _password_step(client, finance["email"], finance["password"])
    assert refused.status_code == 401 and "Wrong email, password or code." in refused.text
    async with platform.db.transaction() as session:
        with pytest.raises(NotFound):
            await disable_operator(platform, session, email="nobody@ops.example")


async def test_a_disabled_account_takes_as_long_as_a_wrong_password(client, platform, operators, monkeypatch):
    checked: list[str] = []
    real_verify = accounts._verify

    async def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return await real_verify(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", counting)
    async with platform.db.transaction() as session:
        await disable_operator(platform, session, email="finance@ops.example")
        row = await session.scalar(select(Operator).where(Operator.email == "finance@ops.example"))
        assert row is not None
    refused = await _password_step(client, "finance@ops.example", operators["finance"]["password"])
    assert refused.status_code == 401 and "Wrong email, password or code." in refused.text
    assert checked == [row.password_hash]  # argon2 ran, as for any account


async def test_the_one_time_password_must_be_replaced_before_anything_else(client, platform):
    ama = await make_operator(platform, "finance", "ama@ops.example", first_login=True)
    transport = httpx.ASGITransport(app=create_app(platform=platform))
    async with httpx.AsyncClient(transport=transport, base_url="http://peerx.test") as other_browser:
        await console_login(other_browser, ama)
        next_code_window()
        token = await console_login(client, ama)
        for path in ("/console/", "/console/payouts"):
            sent = await client.get(path)
            assert sent.status_code == 303 and sent.headers["location"] == "/console/password"
        htmx = await client.get("/console/payouts", headers={"HX-Request": "true"})
        assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/console/password"
        assert "Choose a password" in (await client.get("/console/password")).text

        good = "a long passphrase of mine"
        for form, message in (
            ({"current_password": "guess", "new_password": good, "repeat_password": good}, "current_password is wrong"),
            ({"new_password": "short", "repeat_password": "short"}, "new_password must be at least 12 characters"),
            ({"new_password": ama["password"], "repeat_password": ama["password"]}, "must differ from the current"),
            ({"new_password": "ama-is-my-name!", "repeat_password": "ama-is-my-name!"}, "must not contain your email"),
            ({"new_password": good, "repeat_password": good + "?"}, "repeat_password does not match"),
        ):
            body = {"current_password": ama["password"], **form, "csrf_token": token}
            refused = await client.post("/console/password", data=body)
            assert refused.status_code == 400 and message in refused.text
        async with platform.db.transaction() as session:
            row = await session.get(Operator, ama["id"])
            assert row is not None and row.password_changed_at is None  # refusals change nothing

        body = {"current_password": ama["password"], "new_password": good, "repeat_password": good}
        changed = await client.post("/console/password", data={**body, "csrf_token": token})
        assert changed.status_code == 303 and changed.headers["location"] == "/console/"
        home = await client.get("/console/")
        assert home.status_code == 200 and "Password changed. Your other sessions have ended." in home.text
        assert (await other_browser.get("/console/")).status_code == 303  # the session opened before is over

    await client.post("/console/logout", data={"csrf_token": csrf_of(home.text)})
    old = await _password_step(client, ama["email"], ama["password"])
    assert old.status_code == 401
    assert (await _password_step(client, ama["email"], good)).status_code == 303
    assert (await _audit_actions(platform)).count("operator.password_changed") == 1
