"""The escrow screen: transactions by state, complaints with both sides on record, and finance's
decision (release or refund), reflected in the Trustap API the buyer and seller call."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from peerx.console.models import AuditEntry
from peerx.ops.escrow import actions as escrow_ops
from peerx.platform import Platform
from tests.console.conftest import browser_login, console_login, shoot
from tests.fixtures.factories.escrow import REDIRECT, TP, Person, delivered_tx, op, person, post


async def complained(client: httpx.AsyncClient, platform: Platform) -> tuple[Person, Person, dict[str, Any]]:
    app = await op(platform, escrow_ops.create_client, name="Shop", redirect_uris=[REDIRECT], livemode=False)
    seller = await person(platform, app, "seller@example.com")
    buyer = await person(platform, app, "buyer@example.com")
    tx = await delivered_tx(client, seller, buyer, price=1000)
    said = {"complaint_description": "Arrived broken"}
    resp = await post(client, buyer, tx["id"], "complain_with_description", said)
    assert resp.status_code == 200, resp.text
    return seller, buyer, resp.json()


async def trustap_view(client: httpx.AsyncClient, who: Person, tx_id: int) -> dict[str, Any]:
    resp = await client.get(f"{TP}/transactions/{tx_id}", headers=who.h)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_finance_releases_a_complained_transaction(client, platform, operators):
    seller, _buyer, tx = await complained(client, platform)
    csrf = await console_login(client, operators["finance"])
    listed = await client.get("/console/escrow", params={"status": "complained"})
    assert listed.status_code == 200 and "Soccer ticket" in listed.text and "USD 10.00" in listed.text
    page = await client.get("/console/escrow/complaints")
    assert page.status_code == 200
    assert "Arrived broken" in page.text and "ups 1Z999" in page.text  # both sides on record
    assert "buyer@example.com" in page.text and "seller@example.com" in page.text

    bad = await client.post(f"/console/escrow/online/{tx['id']}/decide", data={"outcome": "split", "csrf_token": csrf})
    assert bad.status_code == 400 and (await trustap_view(client, seller, tx["id"]))["status"] == "complained"

    done = await client.post(
        f"/console/escrow/online/{tx['id']}/decide", data={"outcome": "release", "csrf_token": csrf}
    )
    assert done.status_code == 303
    seen = await trustap_view(client, seller, tx["id"])
    assert seen["status"] == "funds_released" and seen["amount_released"] == 1000
    again = await client.post(
        f"/console/escrow/online/{tx['id']}/decide",
        data={"outcome": "refund", "csrf_token": csrf},
        headers={"referer": f"http://peerx.test/console/escrow/online/{tx['id']}"},
    )
    assert again.status_code == 303  # back to the page with the product's refusal
    assert "already been settled" in (await client.get(f"/console/escrow/online/{tx['id']}")).text
    async with platform.db.transaction() as session:
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("escrow.%"))))
    assert actions == ["escrow.release"]


async def test_viewer_cannot_decide_and_reviewer_cannot_open(client, platform, operators):
    seller, _buyer, tx = await complained(client, platform)
    csrf = await console_login(client, operators["viewer"])
    page = await client.get("/console/escrow/complaints")
    assert page.status_code == 200 and "Arrived broken" in page.text and "Refund buyer" not in page.text
    resp = await client.post(
        f"/console/escrow/online/{tx['id']}/decide", data={"outcome": "refund", "csrf_token": csrf}
    )
    assert resp.status_code == 403
    client.cookies.clear()
    await console_login(client, operators["reviewer"])
    assert (await client.get("/console/escrow/complaints")).status_code == 403
    assert (await trustap_view(client, seller, tx["id"]))["status"] == "complained"


async def test_refund_decided_in_the_browser_shows_in_the_trustap_api(live_server, page, platform, operators):
    async with httpx.AsyncClient(base_url=live_server) as api:
        _seller, buyer, tx = await complained(api, platform)
        await browser_login(page, live_server, operators["finance"])
        await page.goto(f"{live_server}/console/escrow/complaints")
        await page.wait_for_selector("text=Arrived broken")
        await shoot(page, "escrow-complaints")
        await page.click("button:has-text('Refund buyer')")
        await page.wait_for_selector(".flash:has-text('refunded to the buyer')")
        await shoot(page, "escrow-decided")
        seen = await trustap_view(api, buyer, tx["id"])
        assert seen["status"] == "funds_refunded" and seen["amount_refunded"] == 1050
        await page.goto(f"{live_server}/console/escrow")
        await shoot(page, "escrow")
