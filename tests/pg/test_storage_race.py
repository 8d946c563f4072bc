"""Two requests upload the same image at once on PostgreSQL; the one that wrote the object rolls
back, the other commits. The rolled-back one removes what it wrote unless a committed row refers
to it, and cannot see the other's uncommitted row: the committing request puts the bytes back
once it commits, so a stored row never points at nothing."""

from __future__ import annotations

import asyncio

from peerx.core.storage import StoredFile
from tests.fixtures.images import png


async def test_a_rolled_back_upload_never_removes_bytes_another_request_commits(platform):
    data = png((4, 5, 6))
    written, release = asyncio.Event(), asyncio.Event()

    async def rolled_back() -> None:
        try:
            async with platform.db.transaction() as session:
                await platform.files.store(session, data, "image/png")  # writes the object and inserts the row
                written.set()
                await release.wait()
                raise RuntimeError("abort")
        except RuntimeError:
            pass

    first = asyncio.create_task(rolled_back())
    await written.wait()
    async with platform.db.transaction() as session:
        # Finds the object written by the other request; its insert of the same row waits for
        # the other transaction, which rolls back meanwhile and (seeing no committed row) removes
        # the object before this one commits.
        storing = asyncio.create_task(platform.files.store(session, data, "image/png"))
        await asyncio.sleep(0.3)  # the upsert is waiting on the other transaction's row
        assert not storing.done()
        release.set()
        await first  # rolled back, its rollback hook has run
        stored: StoredFile = await storing
        assert not platform.files.objects.path_for(stored.sha256).exists()  # the race happened
    assert await platform.files.read(stored) == data  # put back when this request committed
