"""The dashboard's charts over time per product (volume, fees, payout outcomes, jobs waiting)
with a date range, and its opening mode: test when only test money moved (the demo)."""

from __future__ import annotations

import re
from datetime import timedelta

from peerx.core.clock import clock
from peerx.ops.giftcards import actions as giftcard_ops
from tests.console.conftest import console_login
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards


async def withdraw(client, key: str, amount: int) -> str:  # type: ignore[no-untyped-def]
    resp = await client.post(
        f"{cards.PTP}/withdrawals.php",
        headers={"X-API-Key": key},
        json={"amount": amount, "method": "mtn_momo", "account_name": "John Doe", "account_number": "0241234567"},
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["data"]["reference"])


def titles(html: str, chart: str) -> list[str]:
    """The bar titles of one product chart (`<figure data-chart=...>`), in order."""
    figure = html.split(f'data-chart="{chart}"', 1)[1].split("</figure>", 1)[0]
    return re.findall(r"<title>([^<]+)</title>", figure)


async def test_a_test_mode_platform_opens_in_test_mode_with_charts(client, platform, operators):
    await cards.rate(platform)
    merchant = await f.merchant(platform)
    key = merchant["peertupeer"]["test_key"]
    await f.fund(platform, merchant["id"], "1000", livemode=False)
    paid, failed = await withdraw(client, key, 300), await withdraw(client, key, 200)
    async with platform.db.transaction() as session:
        await giftcard_ops.settle_withdrawal(platform, session, reference=paid, paid=True, note="")
        await giftcard_ops.settle_withdrawal(platform, session, reference=failed, paid=False, note="closed")
    today = clock.now().date().isoformat()

    await console_login(client, operators["viewer"])
    page = await client.get("/console/")
    assert page.status_code == 200
    assert '<option value="test" selected>' in page.text and "No money moved" not in page.text
    assert 'id="charts-giftcards"' in page.text and 'id="charts-vouchers"' not in page.text
    payouts = titles(page.text, "payouts")
    assert f"{today}: succeeded 1" in payouts and f"{today}: failed 1" in payouts
    volume = titles(page.text, "volume")
    assert len(volume) == 14 and volume[-1].startswith(today) and volume[-1] != f"{today}: GHS 0.00"

    live = await client.get("/console/", params={"mode": "live"})
    # No live money moved (the queue of jobs has no mode: its chart may show in either).
    assert '<option value="live" selected>' in live.text and 'data-chart="volume"' not in live.text

    # A range that ends before today's activity shows none of it; one day is one bar.
    clock.advance(timedelta(days=3))
    earlier = await client.get("/console/", params={"from": today, "to": today})
    assert len(titles(earlier.text, "volume")) == 1
    later = await client.get("/console/", params={"from": clock.now().date().isoformat()})
    assert 'data-chart="volume"' not in later.text
    bad = await client.get("/console/", params={"from": "2020-01-01", "to": "2026-12-31"})
    assert bad.status_code == 400 and "at most 366 days" in bad.text
