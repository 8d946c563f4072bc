"""The operators screen (admin only): add an operator, whose one-time credentials are shown once
and work; disable one, whose sessions end at once; both audited without a secret."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select

from peerx.app import create_app
from peerx.console.models import AuditEntry
from tests.console.conftest import browser_login, console_login, shoot, totp_code


def _credentials(html: str) -> dict[str, str]:
    def code(element_id: str) -> str:
        return html.split(f'id="{element_id}">')[1].split("<")[0]

    return {"password": code("created-password"), "totp_secret": code("created-totp")}


async def test_an_admin_adds_an_operator_who_can_then_sign_in(client, platform, operators):
    token = await console_login(client, operators["admin"])
    added = await client.post(
        "/console/operators", data={"email": " Ama@Ops.example ", "role": "reviewer", "csrf_token": token}
    )
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    secret = _credentials(added.text)
    assert "ama@ops.example (reviewer) can now sign in" in added.text
    assert "ama@ops.example" in (await client.get("/console/operators")).text
    assert secret["password"] not in (await client.get("/console/operators")).text  # shown once

    transport = httpx.ASGITransport(app=create_app(platform=platform))
    async with httpx.AsyncClient(transport=transport, base_url="http://peerx.test") as newcomer:
        token = await console_login(newcomer, {"email": "ama@ops.example", **secret})
        # The one-time password opens nothing but the page to replace it.
        sent_away = await newcomer.get("/console/giftcards")
        assert sent_away.status_code == 303 and sent_away.headers["location"] == "/console/password"
        chosen = {"current_password": secret["password"], "new_password": "correct horse battery"}
        changed = await newcomer.post(
            "/console/password", data={**chosen, "repeat_password": chosen["new_password"], "csrf_token": token}
        )
        assert changed.status_code == 303
        assert (await newcomer.get("/console/giftcards")).status_code == 200
        assert (await newcomer.get("/console/operators")).status_code == 403  # reviewers only review

    async with platform.db.transaction() as session:
        [entry] = await session.scalars(select(AuditEntry).where(AuditEntry.action == "operators.created"))
    assert entry.before is None and entry.after == {"email": "ama@ops.example", "role": "reviewer"}
    assert secret["password"] not in json.dumps(entry.after) and secret["totp_secret"] not in json.dumps(entry.after)


async def test_bad_input_adds_nobody(client, platform, operators):
    token = await console_login(client, operators["admin"])
    for form, status, message in (
        ({"email": "not-an-email", "role": "viewer"}, 400, "email must be an email address"),
        ({"email": "new@ops.example", "role": "owner"}, 400, "role must be one of viewer, reviewer, finance, admin"),
        ({"email": "viewer@ops.example", "role": "viewer"}, 409, "already exists"),
    ):
        refused = await client.post("/console/operators", data={**form, "csrf_token": token})
        assert refused.status_code == status and message in refused.text
    listing = (await client.get("/console/operators")).text
    assert listing.count('id="operator-') == 4 and "new@ops.example" not in listing
    async with platform.db.transaction() as session:
        assert list(await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("operators.%")))) == []


async def test_an_admin_disables_an_operator_whose_session_ends(client, platform, operators):
    viewer = operators["viewer"]
    transport = httpx.ASGITransport(app=create_app(platform=platform))
    async with httpx.AsyncClient(transport=transport, base_url="http://peerx.test") as viewer_client:
        await console_login(viewer_client, viewer)
        assert (await viewer_client.get("/console/")).status_code == 200

        token = await console_login(client, operators["admin"])
        done = await client.post(f"/console/operators/{viewer['id']}/disable", data={"csrf_token": token})
        assert done.status_code == 303
        row = (await client.get("/console/operators")).text.split(f'id="operator-{viewer["id"]}"')[1].split("</tr>")[0]
        assert "<td>disabled</td>" in row and "Disable" not in row
        assert (await viewer_client.get("/console/")).status_code == 303  # back to the login page

    self_disable = await client.post(
        f"/console/operators/{operators['admin']['id']}/disable", data={"csrf_token": token}
    )
    assert self_disable.status_code == 400 and "cannot disable their own account" in self_disable.text
    unknown = await client.post("/console/operators/999999/disable", data={"csrf_token": token})
    assert unknown.status_code == 404
    async with platform.db.transaction() as session:
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "operators.disabled")))
    assert [(e.subject, e.before["state"], e.after["state"]) for e in entries] == [  # type: ignore[index]
        (f"operator:{viewer['id']}", "active", "disabled")
    ]


async def test_only_admins_reach_the_operators_screen(client, operators):
    for role in ("viewer", "reviewer", "finance"):
        token = await console_login(client, operators[role])
        assert (await client.get("/console/operators")).status_code == 403
        form = {"email": f"x-{role}@ops.example", "role": "admin", "csrf_token": token}
        assert (await client.post("/console/operators", data=form)).status_code == 403
        assert "Operators" not in (await client.get("/console/")).text
        await client.post("/console/logout", data={"csrf_token": token})


async def test_operators_screen_in_the_browser(live_server, page, operators):
    await browser_login(page, live_server, operators["admin"])
    await page.click("nav >> text=Operators")
    await page.fill("#add-operator input[name=email]", "kofi@ops.example")
    await page.select_option("#add-operator select[name=role]", "finance")
    await page.click("#add-operator button[type=submit]")
    await page.wait_for_selector("#created")
    assert "kofi@ops.example (finance) can now sign in" in await page.inner_text("#created")
    await shoot(page, "operators")
    kofi = {
        "email": "kofi@ops.example",
        "password": await page.inner_text("#created-password"),
        "totp_secret": await page.inner_text("#created-totp"),
    }
    await page.click("header button:has-text('Log out')")
    await page.wait_for_url("**/console/login")

    # Kofi's first login ends on the page that replaces the one-time password, then goes on.
    await page.fill("input[name=email]", kofi["email"])
    await page.fill("input[name=password]", kofi["password"])
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console/login/totp")
    await page.fill("input[name=code]", totp_code(kofi["totp_secret"]))
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{live_server}/console/password")
    await page.fill("input[name=current_password]", kofi["password"])
    await page.fill("input[name=new_password]", "a passphrase all my own")
    await page.fill("input[name=repeat_password]", "a passphrase all my own")
    await shoot(page, "password")
    await page.click("button:has-text('Save password')")
    await page.wait_for_url(f"{live_server}/console/")
    assert "Password changed." in await page.inner_text(".flash")
    assert "kofi@ops.example · finance" in await page.inner_text("header")
    assert page.console_errors == []
