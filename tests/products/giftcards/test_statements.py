"""A trade submission's round trips, counted over HTTP with a before_cursor_execute listener: one
read of the API key, one of the rate, one upsert for every image, the trade's insert, the event
and its webhook-endpoint lookup. A change that adds a statement (a select after an insert, a
statement per file, an ORM reload) fails here; a speed is never asserted."""

from __future__ import annotations

from sqlalchemy import func, select

from peerx.core.storage import StoredFile
from peerx.products.giftcards.models import Trade
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.images import noise_png, png
from tests.fixtures.statements import statements

# What the submission reaches (docs/benchmarks/api.md); BEGIN is the transaction, not a statement.
TRADE_SUBMISSION_STATEMENTS = 6


async def test_a_trade_submission_stays_within_its_statements(client, platform, live_key):
    await cards.submit_trade(client, live_key)  # first use: nothing cached is counted
    with statements(platform) as seen:
        resp = await cards.submit_trade(
            client,
            live_key,
            card_number="1234-5678",
            front_image=("f.png", noise_png(40), "image/png"),
            back_image=("b.png", noise_png(40), "image/png"),
            receipt_image=("r.png", noise_png(40), "image/png"),
        )
    assert resp.status_code == 200, resp.text
    assert len(seen) <= TRADE_SUBMISSION_STATEMENTS, "\n".join(seen)
    # Three new images: one statement stores them all and returns their ids (no select after it).
    file_statements = [s for s in seen if "stored_files" in s]
    assert len(file_statements) == 1 and file_statements[0].startswith("INSERT"), file_statements


async def test_the_same_image_front_and_back_is_one_stored_file(client, platform, live_key):
    # One upsert may not touch a row twice: the same bytes in two fields are one row, new or not.
    image = ("same.png", png((7, 7, 7)), "image/png")
    first = await cards.submit_trade(client, live_key, front_image=image, back_image=image)
    again = await cards.submit_trade(client, live_key, front_image=image, back_image=image)  # now it exists
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    async with platform.db.transaction() as session:
        trades = (await session.execute(select(Trade.front_image_id, Trade.back_image_id))).all()
        files = await session.scalar(select(func.count()).select_from(StoredFile))
    assert files == 1 and len(trades) == 2
    assert {t.front_image_id for t in trades} == {t.back_image_id for t in trades} and len(set(trades)) == 1
