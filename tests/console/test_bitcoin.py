"""The bitcoin screen: offers, contracts, an open dispute with the chat key the seller handed the
mediator, and finance's decision, reflected in the Peach API both apps call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from peerx.console.models import AuditEntry
from peerx.platform import Platform
from tests.console.conftest import browser_login, console_login, shoot
from tests.fixtures.factories.bitcoin import app_factory  # noqa: F401  (a fixture, requested by name)
from tests.products.bitcoin.contract_helpers import open_contract

MEDIATOR_KEY = "-----BEGIN PGP MESSAGE-----\n\nhQEMAforthemediator\n-----END PGP MESSAGE-----"


async def disputed(apps: Any, platform: Platform, run_jobs: Any) -> tuple[Any, Any, str]:
    seller, buyer = await apps(), await apps()
    contract_id, _sell_id, _buy_id, _address = await open_contract(seller, buyer, platform, run_jobs)
    assert (await buyer.post(f"/contract/{contract_id}/payment/confirm")).json() == {"success": True}
    body = {
        "reason": "noPayment.seller",
        "message": "nothing arrived",
        "email": "seller@example.com",
        "symmetricKeyEncrypted": MEDIATOR_KEY,
    }
    assert (await seller.post(f"/contract/{contract_id}/dispute", body)).json() == {"success": True}
    return seller, buyer, contract_id


async def test_finance_decides_a_dispute_and_the_apps_see_it(client, platform, operators, app_factory, run_jobs):  # noqa: F811
    seller, buyer, contract_id = await disputed(app_factory, platform, run_jobs)
    csrf = await console_login(client, operators["finance"])
    offers = await client.get("/console/bitcoin/offers", params={"type": "ask"})
    assert offers.status_code == 200 and "sell" in offers.text and "BTC 0.00300000" in offers.text
    contracts = await client.get("/console/bitcoin", params={"disputed": "yes"})
    assert contracts.status_code == 200 and contract_id in contracts.text
    open_disputes = await client.get("/console/bitcoin/disputes")
    assert contract_id in open_disputes.text and "noPayment.seller" in open_disputes.text
    page = await client.get(f"/console/bitcoin/contracts/{contract_id}")
    assert page.status_code == 200 and "nothing arrived" in page.text
    assert "hQEMAforthemediator" in page.text  # the key the seller revealed to the mediator

    decided = await client.post(
        f"/console/bitcoin/contracts/{contract_id}/resolve", data={"outcome": "sellerWins", "csrf_token": csrf}
    )
    assert decided.status_code == 303
    view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert view["disputeWinner"] == "seller" and view["disputeActive"] is False and view["disputeResolvedDate"]
    assert (await seller.get(f"/contract/{contract_id}")).json()["tradeStatus"] == "refundOrReviveRequired"
    assert "No disputes." in (await client.get("/console/bitcoin/disputes")).text
    async with platform.db.transaction() as session:
        entry = (await session.scalars(select(AuditEntry).where(AuditEntry.subject == f"contract:{contract_id}"))).one()
    assert entry.action == "bitcoin.dispute_sellerWins" and entry.before is not None and entry.before["disputeActive"]


async def test_reviewer_and_viewer_cannot_decide(client, platform, operators, app_factory, run_jobs):  # noqa: F811
    _seller, buyer, contract_id = await disputed(app_factory, platform, run_jobs)
    csrf = await console_login(client, operators["viewer"])
    page = await client.get(f"/console/bitcoin/contracts/{contract_id}")
    assert page.status_code == 200 and "Decide" not in page.text
    resp = await client.post(
        f"/console/bitcoin/contracts/{contract_id}/resolve", data={"outcome": "buyerWins", "csrf_token": csrf}
    )
    assert resp.status_code == 403
    client.cookies.clear()
    await console_login(client, operators["reviewer"])
    assert (await client.get("/console/bitcoin/disputes")).status_code == 403
    assert (await buyer.get(f"/contract/{contract_id}")).json()["disputeActive"] is True


async def test_bitcoin_screens_in_the_browser(live_server, page, platform, operators, app_factory, run_jobs):  # noqa: F811
    _seller, _buyer, contract_id = await disputed(app_factory, platform, run_jobs)
    await browser_login(page, live_server, operators["admin"])
    for path, name in (
        ("/bitcoin/offers", "bitcoin-offers"),
        ("/bitcoin", "bitcoin-contracts"),
        ("/bitcoin/disputes", "bitcoin-disputes"),
        (f"/bitcoin/contracts/{contract_id}", "bitcoin-dispute"),
    ):
        await page.goto(f"{live_server}/console{path}")
        await page.wait_for_selector("h1")
        await shoot(page, name)
    assert await page.is_visible("button:has-text('Decide')")
