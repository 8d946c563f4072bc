"""Uploads are stored once per content, outside anything served."""

from __future__ import annotations

from sqlalchemy import func, select

from peerx.core.storage import StoredFile
from tests.fixtures.images import png


async def test_same_bytes_are_stored_once(platform):
    data = png((9, 9, 9))
    async with platform.db.transaction() as session:
        kind = platform.files.check_image("front_image", data)
        first = await platform.files.store(session, data, kind)
        again = await platform.files.store(session, data, kind)
        assert first.id == again.id and kind == "image/png"
        assert await session.scalar(select(func.count()).select_from(StoredFile)) == 1
    assert await platform.files.read(first) == data
    assert platform.files.objects.path_for(first.sha256).is_relative_to(platform.settings.data_dir / "files")


async def test_rollback_removes_files_only_it_wrote(platform):
    kept, dropped = png((1, 1, 1)), png((2, 2, 2))
    async with platform.db.transaction() as session:
        stored = await platform.files.store(session, kept, "image/png")
    try:
        async with platform.db.transaction() as session:
            again = (await platform.files.store(session, kept, "image/png")).sha256
            fresh = (await platform.files.store(session, dropped, "image/png")).sha256
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    assert platform.files.objects.path_for(stored.sha256).exists() and again == stored.sha256
    assert not platform.files.objects.path_for(fresh).exists()
