"""Every desk's list over /ops/v1: a date range (`from`/`to`), one page as JSON, or every row of
the filter as CSV: a header, money as exact decimal strings from minor units, formulas escaped."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from peerx.core.clock import clock
from peerx.ops.escrow import actions as escrow_ops
from tests.fixtures import factories as f
from tests.fixtures.factories import escrow as tp
from tests.fixtures.factories import giftcards as cards

OPS = "/ops/v1"
AUTH = {"Authorization": "Bearer ops-secret-token"}


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_trades_by_date_as_json_and_csv(client, platform):
    await cards.rate(platform)  # 8.5 GHS per USD, 2.5% fee
    key = (await f.merchant(platform))["peertupeer"]["live_key"]
    old = (await cards.submit_trade(client, key, card_amount="10")).json()["data"]["reference"]
    clock.advance(timedelta(days=5))
    day = clock.now().date().isoformat()
    new = (await cards.submit_trade(client, key, card_amount="33.33", notes="=HYPERLINK(1)")).json()["data"]

    page = await client.get(f"{OPS}/giftcards/trades", params={"from": day, "to": day}, headers=AUTH)
    assert page.status_code == 200, page.text
    assert [t["reference"] for t in page.json()["items"]] == [new["reference"]] and page.json()["total"] == 1
    every = (await client.get(f"{OPS}/giftcards/trades", headers=AUTH)).json()
    assert [t["reference"] for t in every["items"]] == [new["reference"], old]

    exported = await client.get(f"{OPS}/giftcards/trades", params={"from": day, "format": "csv"}, headers=AUTH)
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.text.startswith("reference,status,card_type_id,card_name,")
    (row,) = rows_of(exported.text)
    # 33.33 x 8.5 = 283.305 -> 283.31 GHS gross (exact, from minor units; never a float's digits)
    assert row["reference"] == new["reference"] and row["card_amount"] == "33.33"
    assert row["gross_payout_ghs"] == "283.31" and row["notes"] == "'=HYPERLINK(1)"
    earlier = await client.get(
        f"{OPS}/giftcards/trades",
        params={"to": (clock.now() - timedelta(days=1)).date().isoformat()},
        headers={**AUTH, "Accept": "text/csv"},
    )
    assert [r["reference"] for r in rows_of(earlier.text)] == [old]


async def test_every_desk_list_answers(client, platform):
    await f.merchant(platform)
    await tp.op(platform, escrow_ops.create_client, name="Shop", redirect_uris=[tp.REDIRECT], livemode=False)
    for path, key in (
        ("/giftcards/withdrawals", "counts"),
        ("/vouchers/orders", "items"),
        ("/remittances", "counts"),
        ("/escrow/transactions", "statuses"),
    ):
        page = await client.get(f"{OPS}{path}", params={"from": "2026-01-01"}, headers=AUTH)
        assert page.status_code == 200 and key in page.json() and page.json()["total"] == 0, (path, page.text)
        exported = await client.get(f"{OPS}{path}", params={"format": "csv"}, headers=AUTH)
        assert exported.status_code == 200 and exported.text == "\r\n", path  # no rows: an empty header
        bad = await client.get(f"{OPS}{path}", params={"to": "soon"}, headers=AUTH)
        assert bad.status_code == 400 and bad.json()["error"]["field"] == "to", path
    bad = await client.get(f"{OPS}/giftcards/withdrawals", params={"status": "nope"}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "status"
    assert (await client.get(f"{OPS}/remittances")).status_code == 401
