"""The accounts screen: search and date filters, the CSV of the filter, an account's keys, and
finance rolling a key (shown once, never audited), suspending and reinstating (audited)."""

from __future__ import annotations

import csv
import io
import re

from tests.console.conftest import console_login
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards


async def test_search_export_roll_suspend_and_reinstate(client, platform, operators):
    ama = await f.merchant(platform, name="Ama Traders", email="ama@example.com")
    await f.merchant(platform, name="@SUM(A1)", email="kofi@example.com")
    csrf = await console_login(client, operators["finance"])

    page = await client.get("/console/accounts")
    assert page.status_code == 200 and "Ama Traders" in page.text and "Download CSV" in page.text
    found = await client.get("/console/accounts", params={"q": "ama@", "product": "peertupeer"})
    assert "Ama Traders" in found.text and "kofi@example.com" not in found.text
    bad = await client.get("/console/accounts", params={"from": "not a date"})
    assert bad.status_code == 400 and "from must be an ISO date" in bad.text

    exported = await client.get("/console/accounts", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:3] == ["id", "name", "email"] and [r[1] for r in rows[1:]] == ["Ama Traders", "'@SUM(A1)"]

    detail = await client.get(f"/console/accounts/{ama['id']}")
    assert detail.status_code == 200 and ama["peertupeer"]["live_key"][:13] in detail.text
    rolled = await client.post(
        f"/console/accounts/{ama['id']}/roll",
        data={"product": "peertupeer", "mode": "live", "grace_hours": "0", "csrf_token": csrf},
    )
    assert rolled.status_code == 200
    new_key = re.search(r'<code id="rolled-key">([^<]+)</code>', rolled.text)
    assert new_key and new_key.group(1).startswith("ptp_live_")
    assert (await cards.submit_trade(client, ama["peertupeer"]["live_key"])).status_code == 401
    assert (await client.get(cards.PTP + "/trades.php", headers={"X-API-Key": new_key.group(1)})).status_code == 200

    suspended = await client.post(
        f"/console/accounts/{ama['id']}/suspend", data={"reason": "chargebacks", "csrf_token": csrf}
    )
    assert suspended.status_code == 303
    assert (await client.get(cards.PTP + "/trades.php", headers={"X-API-Key": new_key.group(1)})).status_code == 403
    shown = await client.get(f"/console/accounts/{ama['id']}")
    assert "chargebacks" in shown.text and "Reinstate" in shown.text
    back = await client.post(f"/console/accounts/{ama['id']}/reinstate", data={"reason": "ok", "csrf_token": csrf})
    assert back.status_code == 303
    assert (await client.get(cards.PTP + "/trades.php", headers={"X-API-Key": new_key.group(1)})).status_code == 200

    client.cookies.clear()
    await console_login(client, operators["admin"])
    audit = await client.get("/console/audit", params={"q": f"account:{ama['id']}"})
    for action in ("account.key_rolled", "account.suspended", "account.reinstated"):
        assert action in audit.text
    assert new_key.group(1) not in audit.text


async def test_viewers_read_and_cannot_act(client, platform, operators):
    ama = await f.merchant(platform)
    csrf = await console_login(client, operators["viewer"])
    page = await client.get(f"/console/accounts/{ama['id']}")
    assert page.status_code == 200 and "Roll key" not in page.text
    refused = await client.post(f"/console/accounts/{ama['id']}/suspend", data={"reason": "x", "csrf_token": csrf})
    assert refused.status_code == 403
    client.cookies.clear()
    await console_login(client, operators["reviewer"])
    assert (await client.get("/console/accounts")).status_code == 403


async def test_lists_name_the_merchant(client, platform, operators):
    await cards.rate(platform)
    ama = await f.merchant(platform, name="Ama <Traders>", email="ama@example.com")
    ref = (await cards.submit_trade(client, ama["peertupeer"]["live_key"])).json()["data"]["reference"]
    await console_login(client, operators["admin"])
    link = f'<a href="/console/accounts/{ama["id"]}">Ama &lt;Traders&gt;</a>'
    for path in ("/console/giftcards", "/console/giftcards/queue", f"/console/giftcards/trades/{ref}"):
        page = await client.get(path)
        assert page.status_code == 200 and link in page.text, path


async def test_a_hostile_search_is_a_400(client, platform, operators):
    await console_login(client, operators["viewer"])
    resp = await client.get("/console/accounts", params={"q": "a\x00b"})
    assert resp.status_code == 400 and "control characters" in resp.text
