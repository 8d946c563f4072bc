"""After the issue response, a code exists in exactly one more place: the delivered email. This
test runs an order through everything peerx does with it (idempotent replay, status, redemption,
void, lookup, receipt, webhooks, the email, expiry), then searches every column of every table,
the raw database files, every log record and every file under the data directory.

With the file mail backend the .eml under data_dir/mail *is* the delivered email (the vendor's
copy), so the codes must be there and nowhere else; with SMTP they must be in the message the
server received and nowhere at all under the data directory."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from peerx.core.clock import clock
from peerx.ops import actions
from tests.conftest import make_settings
from tests.fixtures.factories.vouchers import call, codes_of, issue, pw_live, vendor
from tests.fixtures.smtp import start_smtp


@pytest.fixture(params=["file", "smtp"])
def backend(request):  # type: ignore[no-untyped-def]
    if request.param == "file":
        yield "file", None
        return
    server = start_smtp()
    yield "smtp", server
    server.stop()


@pytest.fixture
def settings(tmp_path, database_url, backend):  # type: ignore[no-untyped-def]
    name, server = backend
    extra = {"smtp_host": server.host, "smtp_port": server.port, "smtp_security": "none"} if server else {}
    return make_settings(tmp_path, database_url, mail_backend=name, **extra)


async def database_text(platform) -> str:  # type: ignore[no-untyped-def]
    """Every value of every column of every table the database has (read from the database
    itself, not from our models), as text."""
    parts: list[str] = []
    async with platform.db.engine.connect() as connection:
        metadata = MetaData()
        await connection.run_sync(lambda sync: metadata.reflect(sync))
        assert {"vouchers", "voucher_orders", "mail_messages", "idempotency_keys", "events"} <= set(metadata.tables)
        for table in metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                parts.extend(repr(value) for value in row)
    assert len(parts) > 100  # the search really saw the data
    return "\n".join(parts)


def files_under(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}


async def test_codes_live_only_in_the_response_and_the_delivered_email(
    client, platform, backend, receiver, run_jobs, caplog
):
    caplog.set_level(logging.DEBUG)
    name, smtp = backend
    seller = await vendor(platform)
    customer = await vendor(platform, name="Esi", email="esi@example.com", live=None, test=None, permitted=False)
    async with platform.db.transaction() as session:
        await actions.add_webhook(
            platform, session, account_id=seller["id"], url=receiver.url, livemode=True, surface="peerwallet"
        )
    headers = {"Idempotency-Key": "no-codes-1"}
    issued = await issue(client, pw_live(seller), quantity=4, amount=25, headers=headers)
    codes = codes_of(issued)
    assert len(codes) == 4
    replay = await issue(client, pw_live(seller), quantity=4, amount=25, headers=headers)
    order_id = issued.json()["order_id"]

    later: list[str] = []  # every response after the issue response
    later.append(replay.text)
    later.append((await call(client, "voucher-status", pw_live(seller), voucher_code=codes[0])).text)
    later.append((await call(client, "voucher-redeem", pw_live(customer), voucher_code=codes[0])).text)
    later.append((await call(client, "voucher-void", pw_live(seller), order_id=order_id, voucher_codes=codes[1])).text)
    later.append((await call(client, "voucher-order", pw_live(seller), order_id=order_id)).text)
    later.append((await client.get(issued.json()["receipt_url"].removeprefix("http://127.0.0.1:8000"))).text)
    ops = await client.get(f"/ops/v1/vouchers/orders/{order_id}", headers={"Authorization": "Bearer ops-secret-token"})
    assert ops.status_code == 200
    later.append(ops.text)
    await run_jobs()
    clock.advance(timedelta(days=366))
    await run_jobs()  # expiry of the rest
    later.extend(r.body.decode() for r in receiver.wait_for(4))
    assert len(later) == 7 + 4
    assert any(r.name.startswith("peerx") or r.name.startswith("httpx") for r in caplog.records)

    # The delivered email holds every code.
    if name == "file":
        emails = list((platform.settings.data_dir / "mail").glob("*.eml"))
        assert len(emails) == 1
        delivered = emails[0].read_text()
    else:
        assert smtp is not None
        delivered = smtp.wait_for(1)[0].text
    assert all(code in delivered for code in codes)

    everywhere = {
        "responses": "\n".join(later),
        "database": await database_text(platform),
        "logs": "\n".join(
            f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}"
            for r in caplog.records
            if not r.name.startswith("mail.log")  # aiosmtpd: the receiving mail server, not peerx
        ),
    }
    for path, data in files_under(platform.settings.data_dir).items():
        if name == "file" and path in emails:
            continue  # the deliberate exception: the email itself
        everywhere[str(path)] = data.decode("latin-1")  # raw bytes: the SQLite file and its WAL too
    if platform.db.is_sqlite:  # the database files themselves, byte for byte
        assert any(place.endswith("peerx.sqlite3") for place in everywhere)
    for code in codes:
        for place, text in everywhere.items():
            assert code not in text, f"a voucher code leaked into {place}"
