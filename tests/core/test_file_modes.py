"""Everything the platform writes under its data directory is private to its user (0600 files in
0700 folders) even under the common umask 022: the embedded SQLite database with its -wal and
-shm files, keys, a trade's card images, a mail written by the file backend, the bitcoin escrow
key. An embedded install is built from nothing, the way `peerx serve` builds it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.core import mail
from peerx.core.jobs import drain
from peerx.core.migrate import upgrade_async
from peerx.core.private_files import private_dir
from peerx.products.bitcoin.context import escrow_keys
from tests.conftest import make_settings
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def modes(root: Path) -> dict[str, int]:
    """Every folder and file from `root` down, by path relative to root's parent."""
    found = {root.name: stat.S_IMODE(root.stat().st_mode)}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            found[str(path.relative_to(root.parent))] = stat.S_IMODE(path.lstat().st_mode)
    return found


async def test_what_the_platform_writes_is_private_under_umask_022(tmp_path, umask_022):
    root = tmp_path / "srv"  # missing, with its parent: both are created
    data_dir = root / "peerx-data"
    # Embedded mode: the SQLite file and the generated keys live under the data directory.
    settings = make_settings(data_dir, "", encryption_keys="", hash_pepper="")
    await upgrade_async(settings.effective_database_url)  # as `peerx serve` does first
    platform = build_platform(settings)
    try:
        account = await f.merchant(platform)
        await cards.rate(platform)
        app = create_app(platform=platform)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://peerx.test") as client:
            response = await cards.submit_trade(client, account["peertupeer"]["live_key"])
        assert response.status_code == 200, response.text
        async with platform.db.transaction() as session:
            await mail.queue_mail(
                session, platform.keys.cipher, settings, to="ama@example.com", subject="Codes", text="x", purpose="t"
            )
        await drain(platform.worker)
        escrow_keys(settings)  # the embedded bitcoin escrow key

        found = modes(root)  # while the database is open, so its -wal and -shm files exist
    finally:
        await platform.aclose()

    names = {Path(p).name for p in found}
    assert {"peerx.sqlite3", "peerx.sqlite3-wal", "peerx.sqlite3-shm", "keys.json", "bitcoin-escrow.xprv"} <= names
    assert sum(1 for p in found if p.startswith("srv/peerx-data/files/") and len(Path(p).name) == 64) == 2
    assert sum(1 for p in found if p.startswith("srv/peerx-data/mail/") and p.endswith(".eml")) == 1
    loose = {
        path: oct(mode) for path, mode in found.items() if mode != (0o700 if (tmp_path / path).is_dir() else 0o600)
    }
    assert loose == {}


def test_a_folder_that_exists_keeps_its_mode(tmp_path, umask_022):
    prepared = tmp_path / "prepared"
    prepared.mkdir()
    prepared.chmod(0o750)  # e.g. readable by the operator's backup group
    private_dir(prepared / "files" / "ab")
    assert stat.S_IMODE(prepared.stat().st_mode) == 0o750
    assert stat.S_IMODE((prepared / "files").stat().st_mode) == 0o700
    assert stat.S_IMODE((prepared / "files" / "ab").stat().st_mode) == 0o700
