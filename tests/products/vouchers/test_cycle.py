"""The whole life of an order as its people see it: a vendor issues, the codes arrive by email at
a real SMTP server, a customer redeems one from the email, the vendor looks the order up."""

from __future__ import annotations

import re

import pytest

from peerx.core import ledger
from peerx.products.vouchers.service import float_account
from tests.conftest import make_settings
from tests.fixtures.factories.vouchers import (
    PW,
    call,
    codes_of,
    event_types,
    issue,
    pw_live,
    usd,
    vendor,
)
from tests.fixtures.ledger import available, verify_ledger
from tests.fixtures.smtp import SmtpServer


@pytest.fixture
def settings(tmp_path, database_url, smtp_settings):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, database_url, **smtp_settings)


async def test_issue_email_redeem_lookup(client, platform, smtp: SmtpServer, run_jobs):
    seller = await vendor(platform, email="kofi@example.com", live="500.00")
    customer = await vendor(platform, name="Esi", email="esi@example.com", live=None, test=None, permitted=False)

    issued = await issue(client, pw_live(seller), quantity=3, amount=50)
    assert issued.status_code == 200
    order_id, returned = issued.json()["order_id"], codes_of(issued)

    # The email: one message to the vendor, the same codes as the response, nothing else secret.
    await run_jobs()
    delivered = smtp.wait_for(1)
    assert len(delivered) == 1
    email = delivered[0]
    assert email.rcpt_tos == ["kofi@example.com"] and email.message["To"] == "kofi@example.com"
    assert email.message["Subject"] == f"Your Peerwallet vouchers: order {order_id}"
    emailed = re.findall(r"^\d{20}$", email.text, flags=re.MULTILINE)
    assert emailed == returned
    assert f"Order ID:      {order_id}" in email.text and "Total charged: 150 USD" in email.text
    assert issued.json()["receipt_url"] in email.text

    # A customer redeems a code exactly as the email shows it, into their own USD wallet.
    redeemed = await call(client, "voucher-redeem", pw_live(customer), voucher_code=emailed[1])
    assert redeemed.status_code == 200, redeemed.text
    body = redeemed.json()
    assert body["status"] == 200 and body["redeem_status"] == "success"
    assert body["voucher_code"] == "*" * 16 + emailed[1][-4:]
    assert (body["amount"], body["currency"], body["balance"]) == (50, "USD", 50)
    assert body["note"] == "Voucher redeemed: 50 USD was credited to your balance"
    assert await usd(platform, customer["id"]) == 5_000
    assert await usd(platform, seller["id"]) == 50_000 - 15_000
    assert await available(platform, float_account(True)) == 10_000

    again = await call(client, "voucher-redeem", pw_live(customer), voucher_code=emailed[1])
    assert again.status_code == 409
    assert again.json() == {"status": 409, "message": "voucher_code has already been redeemed."}
    assert await usd(platform, customer["id"]) == 5_000

    # The vendor's lookup: every voucher masked, with its state.
    lookup = await client.get(
        f"{PW}/voucher-order", params={"order_id": order_id}, headers={"api-private-key": pw_live(seller)}
    )
    assert lookup.status_code == 200
    view = lookup.json()
    assert (view["status"], view["order_id"], view["quantity"], view["amount"], view["total_charged"]) == (
        200,
        order_id,
        3,
        50,
        150,
    )
    assert view["receipt_url"] == issued.json()["receipt_url"]
    assert view["exp_date"] == issued.json()["exp_date"] and view["date_created"] == issued.json()["date_created"]
    assert [v["voucher_code"] for v in view["vouchers"]] == ["*" * 16 + c[-4:] for c in returned]
    assert [v["voucher_status"] for v in view["vouchers"]] == ["active", "redeemed", "active"]
    assert view["vouchers"][1]["date_redeemed"] == body["date_redeemed"]
    assert view["voucher_status_counts"] == {"active": 2, "redeemed": 1, "expired": 0, "void": 0}
    for code in returned:
        assert code not in lookup.text

    # The same lookup by POST values, as the document's style has it.
    posted = await call(client, "voucher-order", pw_live(seller), order_id=order_id.lower())
    assert posted.status_code == 200 and posted.json()["vouchers"] == view["vouchers"]

    assert await event_types(platform) == ["voucher.issued", "voucher.redeemed"]
    await verify_ledger(platform)
    async with platform.db.transaction() as session:
        float_acc = await ledger.find_account(session, float_account(True))
        assert float_acc is not None and float_acc.credits_posted - float_acc.debits_posted == 10_000
    await run_jobs()
    assert len(smtp.messages) == 1  # emailed once
