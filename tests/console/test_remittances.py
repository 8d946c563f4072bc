"""The remittances screen: transactions by status, partners, and cancel with a reason (finance),
each reflected in the Peex API a partner calls; other roles may read or not even that."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import select

from peerx.console.models import AuditEntry
from tests.console.conftest import browser_login, console_login, shoot
from tests.fixtures.factories.remittances import create_partner, fund, pay, request_of


async def waiting_remittance(client, platform) -> tuple[str, int]:
    """A test-mode remittance left in balance_pending (the partner's solde is too low)."""
    partner = await create_partner(platform)
    await fund(platform, partner["id"], 5000, livemode=False)
    key = partner["peex"]["test_secret_key"]
    resp = await pay(client, key, amount=9000, track_id="TRK-CANCEL-1")
    assert resp.status_code == 200 and resp.json()["request"]["status"] == "balance_pending", resp.text
    return key, resp.json()["request"]["id"]


async def test_finance_cancels_with_a_reason_and_the_partner_sees_it(client, platform, operators):
    key, tx_id = await waiting_remittance(client, platform)
    csrf = await console_login(client, operators["finance"])

    listed = await client.get("/console/remittances", params={"status": "balance_pending", "mode": "test"})
    assert listed.status_code == 200 and "TRK-CANCEL-1" in listed.text and "XAF 9,000" in listed.text
    partners = await client.get("/console/remittances/partners")
    assert partners.status_code == 200 and "infos@peexit.com" in partners.text and "XAF 5,000" in partners.text
    page = await client.get(f"/console/remittances/{tx_id}")
    assert page.status_code == 200 and "Cancel remittance" in page.text

    # No reason: refused with the product's message, nothing changes.
    refused = await client.post(
        f"/console/remittances/{tx_id}/cancel",
        data={"reason": " ", "csrf_token": csrf},
        headers={"referer": f"http://peerx.test/console/remittances/{tx_id}"},
    )
    assert refused.status_code == 303
    assert "reason" in (await client.get(f"/console/remittances/{tx_id}")).text
    assert (await request_of(client, key, "TRK-CANCEL-1"))["status"] == "balance_pending"

    done = await client.post(
        f"/console/remittances/{tx_id}/cancel", data={"reason": "Sender asked to stop", "csrf_token": csrf}
    )
    assert done.status_code == 303 and done.headers["location"] == f"/console/remittances/{tx_id}"
    seen = await request_of(client, key, "TRK-CANCEL-1")
    assert seen["status"] == "canceled" and seen["payment_proof"] == "Sender asked to stop"
    me = (await client.get("/peex/api/v3/clients/me", headers={"SECRETKEY": key})).json()
    assert Decimal(str(me["solde"])) == Decimal(5000)  # nothing was held

    async with platform.db.transaction() as session:
        entry = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "remittance.cancel"))).one()
    assert entry.operator_email == "finance@ops.example" and entry.subject == f"remittance:{tx_id}"
    assert entry.before is not None and entry.before["status"] == "balance_pending"
    assert entry.after is not None and entry.after["status"] == "canceled"


async def test_viewer_reads_but_cannot_cancel_and_reviewer_cannot_open(client, platform, operators):
    key, tx_id = await waiting_remittance(client, platform)
    csrf = await console_login(client, operators["viewer"])
    page = await client.get(f"/console/remittances/{tx_id}")
    assert page.status_code == 200 and "Cancel remittance" not in page.text
    resp = await client.post(f"/console/remittances/{tx_id}/cancel", data={"reason": "x", "csrf_token": csrf})
    assert resp.status_code == 403

    client.cookies.clear()
    csrf = await console_login(client, operators["reviewer"])
    assert (await client.get("/console/remittances")).status_code == 403
    assert (await client.get(f"/console/remittances/{tx_id}")).status_code == 403
    assert (await request_of(client, key, "TRK-CANCEL-1"))["status"] == "balance_pending"


async def test_cancel_without_the_csrf_token_is_refused(client, platform, operators):
    key, tx_id = await waiting_remittance(client, platform)
    await console_login(client, operators["admin"])
    resp = await client.post(f"/console/remittances/{tx_id}/cancel", data={"reason": "no token"})
    assert resp.status_code == 403
    assert (await request_of(client, key, "TRK-CANCEL-1"))["status"] == "balance_pending"


async def test_cancel_in_the_browser_shows_in_the_peex_api(live_server, page, platform, operators):
    async with httpx.AsyncClient(base_url=live_server) as api:
        key, tx_id = await waiting_remittance(api, platform)
        await browser_login(page, live_server, operators["finance"])
        await page.goto(f"{live_server}/console/remittances?mode=test")
        await page.click(f"a[href$='/console/remittances/{tx_id}']")
        await page.wait_for_url(f"**/console/remittances/{tx_id}")
        await page.fill("textarea[name=reason]", "Duplicate of another transfer")
        await shoot(page, "remittance")
        await page.click("button:has-text('Cancel remittance')")
        await page.wait_for_selector(".flash:has-text('canceled')")
        await shoot(page, "remittance-canceled")
        seen = await request_of(api, key, "TRK-CANCEL-1")
        assert seen["status"] == "canceled" and seen["payment_proof"] == "Duplicate of another transfer"
        await page.goto(f"{live_server}/console/remittances")
        await shoot(page, "remittances")
        await page.goto(f"{live_server}/console/remittances/partners")
        await shoot(page, "remittance-partners")
