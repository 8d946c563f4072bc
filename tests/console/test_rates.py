"""Rates in the console: finance changes a rate in the browser, the PeerTupeer API serves it and
subscribers receive rate.updated; bad values are refused and change nothing; the edit is audited."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
from sqlalchemy import select

from peerx.console.models import AuditEntry
from tests.console.conftest import browser_login, console_login, shoot
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards

PTP = cards.PTP


async def test_finance_changes_a_rate_and_subscribers_hear_of_it(
    platform, operators, live_server, page, receiver, run_jobs
):
    merchant = await f.merchant(platform)
    rate = await cards.rate(platform)
    await cards.rate(platform, card_type_id=2, card_name="Steam", rate_per_unit="7.1")
    key = merchant["peertupeer"]["live_key"]
    async with httpx.AsyncClient(base_url=live_server) as api:
        subscribed = await api.post(f"{PTP}/rate-updates.php", json={"url": receiver.url}, headers={"X-API-Key": key})
        assert subscribed.json()["success"] is True

        await browser_login(page, live_server, operators["finance"])
        await page.click("nav >> text=Rates")
        row = page.locator(f"#rate-{rate['id']}")
        await row.locator("input[name=rate]").fill("8.95")
        await row.locator("input[name=fee_pct]").fill("3")
        await shoot(page, "rates")
        await row.locator("button", has_text="Save").click()
        await page.wait_for_selector(".flash")
        assert "Rate for Amazon (USA, USD) saved." in await page.inner_text(".flash")
        assert await row.locator("input[name=rate]").input_value() == "8.95"
        assert page.console_errors == []

        served = json.loads((await api.get(f"{PTP}/rates.php")).text, parse_float=Decimal)["data"]
        amazon = next(r for r in served if r["card_type_id"] == 1)
        assert amazon["rate_per_unit"] == Decimal("8.95") and amazon["platform_fee_pct"] == Decimal(3)

    await run_jobs()
    [delivery] = receiver.events("rate.updated")
    assert delivery.json()["data"]["rate_per_unit"] == Decimal("8.95")
    async with platform.db.transaction() as session:
        [entry] = await session.scalars(select(AuditEntry).where(AuditEntry.action == "giftcards.rate_set"))
    assert entry.before is not None and entry.before["rate_per_unit"] == "8.5"
    assert entry.after is not None and entry.after["rate_per_unit"] == "8.95" and entry.after["platform_fee_pct"] == "3"


async def test_adding_a_rate_and_refusing_bad_values(client, platform, operators):
    token = await console_login(client, operators["finance"])
    form = {"card_type_id": "5", "card_name": "iTunes", "country": "gb", "currency": "gbp", "rate": "10.2"}
    added = await client.post("/console/rates", data={**form, "fee_pct": "1.5", "csrf_token": token})
    assert added.status_code == 303
    served = json.loads((await client.get(f"{PTP}/rates.php")).text, parse_float=Decimal)["data"]
    assert [(r["card_name"], r["country"], r["currency"], r["rate_per_unit"]) for r in served] == [
        ("iTunes", "GB", "GBP", Decimal("10.2"))
    ]
    listing = await client.get("/console/rates")
    bad = [
        {"rate": "-1", "fee_pct": "1", "active": "on"},
        {"rate": "abc", "fee_pct": "1", "active": "on"},
        {"rate": "9", "fee_pct": "100", "active": "on"},
    ]
    rate_id = served and listing.text.split('id="rate-')[1].split('"')[0]
    for values in bad:
        refused = await client.post(f"/console/rates/{rate_id}", data={**values, "csrf_token": token})
        assert refused.status_code == 400
    assert "fee_pct must be at least 0 and below 100" in refused.text
    unknown_currency = await client.post(
        "/console/rates", data={**form, "currency": "XXX", "fee_pct": "1", "csrf_token": token}
    )
    assert unknown_currency.status_code == 400 and "currency must be a supported" in unknown_currency.text
    again = json.loads((await client.get(f"{PTP}/rates.php")).text, parse_float=Decimal)["data"]
    assert again == served
    async with platform.db.transaction() as session:
        actions = list(
            await session.scalars(select(AuditEntry.action).where(AuditEntry.action == "giftcards.rate_set"))
        )
    assert actions == ["giftcards.rate_set"]


async def test_deactivating_a_rate_takes_it_off_the_public_list(client, platform, operators):
    rate = await cards.rate(platform)
    token = await console_login(client, operators["admin"])
    resp = await client.post(
        f"/console/rates/{rate['id']}", data={"rate": "8.5", "fee_pct": "2.5", "csrf_token": token}
    )
    assert resp.status_code == 303
    assert (await client.get(f"{PTP}/rates.php")).json()["data"] == []
    assert "No rates yet." not in (await client.get("/console/rates")).text  # still listed for operators


async def test_viewers_read_rates_without_a_form(client, platform, operators):
    await cards.rate(platform)
    await console_login(client, operators["viewer"])
    page = await client.get("/console/rates")
    assert page.status_code == 200 and "Amazon" in page.text and 'name="rate"' not in page.text
