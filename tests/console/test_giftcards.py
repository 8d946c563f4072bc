"""The gift-card desk in the console: a reviewer reviews a trade from its images in a real
browser and approves it (the merchant sees it over the PeerTupeer API), approves a lower amount,
rejects with a reason; images and card numbers only for reviewers; history search and paging."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from peerx.console.models import AuditEntry
from peerx.platform import Platform
from tests.console.conftest import browser_login, console_login, shoot
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.images import png

PTP = cards.PTP


def decimals(resp: httpx.Response) -> Any:
    return json.loads(resp.text, parse_float=Decimal)


async def audit_rows(platform: Platform, action: str) -> list[AuditEntry]:
    async with platform.db.transaction() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def test_reviewer_approves_a_trade_from_its_images_and_the_merchant_sees_it(
    platform, operators, live_server, page
):
    merchant = await f.merchant(platform)
    await cards.rate(platform)
    key = merchant["peertupeer"]["live_key"]
    async with httpx.AsyncClient(base_url=live_server) as api:
        submitted = await cards.submit_trade(
            api,
            key,
            card_number="6011-0000-9999-4321",
            notes="two scratches",
            receipt_image=("r.png", png((0, 160, 0), (40, 30)), "image/png"),
        )
        reference = submitted.json()["data"]["reference"]

        await browser_login(page, live_server, operators["reviewer"], screenshot=True)
        await shoot(page, "dashboard")
        await page.click("nav >> text=Gift cards")
        await page.click("text=Review queue")
        await page.wait_for_selector(f"text={reference}")
        await shoot(page, "giftcards-queue")
        await page.click(f"text={reference}")
        await page.wait_for_url(f"**/giftcards/trades/{reference}")
        # The three images load side by side: served to this reviewer, decoded by the browser.
        for kind in ("front", "back", "receipt"):
            width = await page.eval_on_selector(f"img[alt='{kind} of the card']", "img => img.naturalWidth")
            assert width > 0, kind
        assert await page.inner_text("#card-number") == "****4321"
        await page.click("text=Reveal (logged)")  # htmx swaps the number in, no reload
        await page.wait_for_selector("#card-number.revealed")
        assert await page.inner_text("#card-number") == "6011-0000-9999-4321"
        await shoot(page, "giftcards-trade")
        await page.click("#approve")
        await page.wait_for_url("**/giftcards/queue")
        assert f"Trade {reference} approved: GHS 828.75" in await page.inner_text(".flash")
        # The history's search swaps the list in place (htmx) and keeps the URL in step.
        await page.click("nav >> text=Gift cards")
        await page.fill("input[name=q]", reference)
        await page.click("text=Search")
        await page.wait_for_url(f"**q={reference}**")
        assert await page.locator("main").count() == 1
        assert "1 in all" in await page.inner_text(".pager")
        await shoot(page, "giftcards-history")
        assert page.console_errors == []

        status = decimals(await api.get(f"{PTP}/trade-status.php?reference={reference}", headers={"X-API-Key": key}))
        assert status["data"]["status"] == "approved" and status["data"]["net_payout_ghs"] == Decimal("828.75")
        wallet = decimals(await api.get(f"{PTP}/wallet.php", headers={"X-API-Key": key}))
        assert wallet["data"]["available_balance"] == Decimal("828.75")

    [approval] = await audit_rows(platform, "giftcards.trade_approved")
    assert approval.subject == f"trade:{reference}" and approval.operator_email == "reviewer@ops.example"
    assert approval.before is not None and approval.before["status"] == "pending"
    assert approval.after is not None and approval.after["status"] == "approved"
    assert len(await audit_rows(platform, "giftcards.card_number_revealed")) == 1


async def test_approve_a_lower_amount_and_reject_with_a_reason(client, platform, operators):
    merchant = await f.merchant(platform)
    await cards.rate(platform)
    key = merchant["peertupeer"]["live_key"]
    first = (await cards.submit_trade(client, key)).json()["data"]["reference"]
    second = (await cards.submit_trade(client, key)).json()["data"]["reference"]
    token = await console_login(client, operators["reviewer"])

    approved = await client.post(
        f"/console/giftcards/trades/{first}/approve", data={"card_amount": "50", "csrf_token": token}
    )
    assert approved.status_code == 303
    rejected = await client.post(
        f"/console/giftcards/trades/{second}/reject", data={"reason": "Card already used", "csrf_token": token}
    )
    assert rejected.status_code == 303

    one = decimals(await client.get(f"{PTP}/trade-status.php?reference={first}", headers={"X-API-Key": key}))["data"]
    two = decimals(await client.get(f"{PTP}/trade-status.php?reference={second}", headers={"X-API-Key": key}))["data"]
    # 50 x 8.5 = 425.00, fee 2.5 % = 10.63 (half up), net 414.37.
    assert one["approved_card_amount"] == 50 and one["net_payout_ghs"] == Decimal("414.37")
    assert two["status"] == "rejected" and two["rejection_reason"] == "Card already used"
    [entry] = await audit_rows(platform, "giftcards.trade_rejected")
    assert entry.after is not None and entry.after["rejection_reason"] == "Card already used"


async def test_a_refused_action_changes_nothing_and_says_why(client, platform, operators):
    merchant = await f.merchant(platform)
    await cards.rate(platform)
    key = merchant["peertupeer"]["live_key"]
    reference = (await cards.submit_trade(client, key)).json()["data"]["reference"]
    token = await console_login(client, operators["reviewer"])
    detail = f"/console/giftcards/trades/{reference}"
    too_much = await client.post(
        f"{detail}/approve",
        data={"card_amount": "150", "csrf_token": token},
        headers={"Referer": f"http://peerx.test{detail}"},
    )
    assert too_much.status_code == 303 and too_much.headers["location"] == detail
    page = await client.get(detail)
    assert "card_amount cannot exceed the submitted card amount" in page.text
    no_reason = await client.post(f"{detail}/reject", data={"reason": " ", "csrf_token": token})
    assert no_reason.status_code == 400 and "reason is required" in no_reason.text
    status = (await client.get(f"{PTP}/trade-status.php?reference={reference}", headers={"X-API-Key": key})).json()
    assert status["data"]["status"] == "pending"
    assert await audit_rows(platform, "giftcards.trade_approved") == []
    twice = await client.post(f"{detail}/approve", data={"csrf_token": token})
    assert twice.status_code == 303
    again = await client.post(f"{detail}/approve", data={"csrf_token": token})
    assert again.status_code == 409 and "already approved" in again.text
    assert len(await audit_rows(platform, "giftcards.trade_approved")) == 1


async def test_images_and_card_numbers_are_for_reviewers_only(client, platform, operators):
    merchant = await f.merchant(platform)
    await cards.rate(platform)
    key = merchant["peertupeer"]["live_key"]
    reference = (await cards.submit_trade(client, key, card_number="1234-5678")).json()["data"]["reference"]
    image = f"/console/giftcards/trades/{reference}/images/front"
    assert (await client.get(image)).status_code == 303  # not logged in
    token = await console_login(client, operators["viewer"])
    detail = await client.get(f"/console/giftcards/trades/{reference}")
    assert detail.status_code == 200 and "<img" not in detail.text and "Reveal" not in detail.text
    assert (await client.get(image)).status_code == 403
    reveal = await client.post(f"/console/giftcards/trades/{reference}/reveal", data={"csrf_token": token})
    assert reveal.status_code == 403 and "1234-5678" not in reveal.text
    assert await audit_rows(platform, "giftcards.card_number_revealed") == []

    client.cookies.clear()
    token = await console_login(client, operators["reviewer"])
    served = await client.get(image)
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "no-store" and served.content.startswith(b"\x89PNG")
    missing = await client.get(f"/console/giftcards/trades/{reference}/images/receipt")
    assert missing.status_code == 404
    shown = await client.post(f"/console/giftcards/trades/{reference}/reveal", data={"csrf_token": token})
    assert shown.status_code == 200 and "1234-5678" in shown.text
    assert len(await audit_rows(platform, "giftcards.card_number_revealed")) == 1


async def test_history_searches_filters_and_pages_on_the_server(client, platform, operators):
    merchant = await f.merchant(platform)
    await cards.rate(platform)
    await cards.rate(platform, card_type_id=2, card_name="Steam")
    key = merchant["peertupeer"]["live_key"]
    refs = [(await cards.submit_trade(client, key, card_amount=10 + i)).json()["data"]["reference"] for i in range(3)]
    steam = (await cards.submit_trade(client, key, card_type_id=2, card_number="9999-0042")).json()["data"]["reference"]
    token = await console_login(client, operators["reviewer"])
    await client.post(f"/console/giftcards/trades/{refs[0]}/reject", data={"reason": "blurred", "csrf_token": token})
    await client.get("/console/")  # shows (and so clears) the flash naming the trade

    page_one = await client.get("/console/giftcards?per_page=2")
    assert "Page 1 of 2 · 4 in all" in page_one.text and steam in page_one.text and refs[0] not in page_one.text
    page_two = await client.get("/console/giftcards?per_page=2&page=2")
    assert refs[0] in page_two.text and refs[1] in page_two.text and steam not in page_two.text
    rejected = await client.get("/console/giftcards?status=rejected")
    assert refs[0] in rejected.text and "1 in all" in rejected.text
    assert steam in (await client.get("/console/giftcards?q=steam")).text
    by_last4 = await client.get("/console/giftcards?q=0042")
    assert steam in by_last4.text and "1 in all" in by_last4.text
    by_reference = await client.get(f"/console/giftcards?q={refs[2].lower()}")
    assert refs[2] in by_reference.text and "1 in all" in by_reference.text
    bad = await client.get("/console/giftcards?status=lost")
    assert bad.status_code == 400 and "status must be one of" in bad.text
    assert (await client.get("/console/giftcards?per_page=0")).status_code == 400
    queue = await client.get("/console/giftcards/queue")
    assert queue.text.index(refs[1]) < queue.text.index(refs[2]) and refs[0] not in queue.text
