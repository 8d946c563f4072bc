"""Uploads in an S3-compatible bucket (moto's server, over real HTTP): a trade's images land in
the bucket and nowhere on disk, another platform on the same database and bucket serves them,
a rolled-back upload leaves no object, and a store that is down is a 503 in the envelope."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.core.storage import StoredFile
from peerx.platform import Platform
from tests.conftest import make_settings
from tests.fixtures import factories as f
from tests.fixtures import s3
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.images import png
from tests.fixtures.s3 import S3Bucket, free_port

# The local S3 server (one per test process) and a fresh bucket per test.
s3_server, s3_bucket, s3_settings = s3.s3_server, s3.s3_bucket, s3.s3_settings

OPS = {"Authorization": "Bearer ops-secret-token"}


def files_on_disk(data_dir: Path) -> list[Path]:
    root = data_dir / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
async def s3_platform(tmp_path: Path, database_url: str, s3_settings: dict[str, str]) -> AsyncIterator[Platform]:
    built = build_platform(make_settings(tmp_path / "one", database_url, **s3_settings))
    yield built
    await built.aclose()


async def client_for(platform: Platform) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(platform=platform), raise_app_exceptions=False),
        base_url="http://peerx.test",
    )


async def test_trade_images_go_to_the_bucket_and_every_server_reads_them(
    tmp_path: Path, database_url: str, s3_platform: Platform, s3_bucket: S3Bucket, s3_settings: dict[str, str]
) -> None:
    merchant = await f.merchant(s3_platform)
    await cards.rate(s3_platform)
    data, files = cards.trade_form()
    async with await client_for(s3_platform) as one:
        sent = await one.post(
            f"{cards.PTP}/trades.php", data=data, files=files, headers={"X-API-Key": merchant["peertupeer"]["live_key"]}
        )
    assert sent.status_code == 200, sent.text
    reference = sent.json()["data"]["reference"]

    front, back = files["front_image"][1], files["back_image"][1]
    digests = {hashlib.sha256(front).hexdigest(), hashlib.sha256(back).hexdigest()}
    assert s3_bucket.keys() == sorted(f"files/{digest}" for digest in digests)
    assert s3_bucket.get(f"files/{hashlib.sha256(front).hexdigest()}") == front
    assert files_on_disk(s3_platform.settings.data_dir) == []
    head = s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=f"files/{hashlib.sha256(front).hexdigest()}")
    assert head["ContentLength"] == len(front)
    acl = s3_bucket.client.get_object_acl(Bucket=s3_bucket.name, Key=f"files/{hashlib.sha256(front).hexdigest()}")
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]  # the owner's only: not public

    # Another machine: its own data directory, the same database and bucket.
    second = build_platform(make_settings(tmp_path / "two", database_url, **s3_settings))
    try:
        async with await client_for(second) as two:
            got_front = await two.get(f"/ops/v1/giftcards/trades/{reference}/images/front", headers=OPS)
            got_back = await two.get(f"/ops/v1/giftcards/trades/{reference}/images/back", headers=OPS)
            no_receipt = await two.get(f"/ops/v1/giftcards/trades/{reference}/images/receipt", headers=OPS)
            no_token = await two.get(f"/ops/v1/giftcards/trades/{reference}/images/front")
    finally:
        await second.aclose()
    assert got_front.status_code == 200 and got_front.content == front
    assert got_front.headers["content-type"] == "image/png" and got_front.headers["cache-control"] == "no-store"
    assert got_back.status_code == 200 and got_back.content == back
    assert got_back.headers["content-type"] == "image/jpeg"
    assert no_receipt.status_code == 404 and no_receipt.json()["error"]["code"] == "not_found"
    assert no_token.status_code == 401
    assert files_on_disk(tmp_path / "two") == []

    # The same bytes again: no second object, one row.
    async with await client_for(s3_platform) as one:
        again = await one.post(
            f"{cards.PTP}/trades.php", data=data, files=files, headers={"X-API-Key": merchant["peertupeer"]["live_key"]}
        )
    assert again.status_code == 200, again.text
    assert len(s3_bucket.keys()) == 2
    async with s3_platform.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(StoredFile)) == 2


async def test_a_rolled_back_upload_leaves_no_object(s3_platform: Platform, s3_bucket: S3Bucket) -> None:
    kept, dropped = png((1, 2, 3)), png((4, 5, 6))
    async with s3_platform.db.transaction() as session:
        stored = await s3_platform.files.store(session, kept, "image/png")
    with pytest.raises(RuntimeError):
        async with s3_platform.db.transaction() as session:
            again = await s3_platform.files.store(session, kept, "image/png")
            fresh = await s3_platform.files.store(session, dropped, "image/png")
            assert f"files/{fresh.sha256}" in set(s3_bucket.keys())  # written before the row
            raise RuntimeError("abort")
    assert again.sha256 == stored.sha256
    assert s3_bucket.keys() == [f"files/{stored.sha256}"]  # the committed one stays
    assert await s3_platform.files.read(stored) == kept


async def test_a_refused_trade_leaves_no_object(s3_platform: Platform, s3_bucket: S3Bucket) -> None:
    """Images stored, then the trade refused (an unknown card type): the request rolls back."""
    merchant = await f.merchant(s3_platform)
    await cards.rate(s3_platform)
    async with await client_for(s3_platform) as one:
        refused = await cards.submit_trade(one, merchant["peertupeer"]["live_key"], card_type_id=999)
    assert refused.status_code in (400, 404, 422), refused.text
    assert s3_bucket.keys() == []


async def test_storage_down_is_a_clean_503_in_each_envelope(tmp_path: Path, database_url: str) -> None:
    down = {
        "s3_bucket": "nowhere",
        "s3_endpoint_url": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        "s3_access_key_id": "x",
        "s3_secret_access_key": "y",
        "s3_timeout_seconds": 2.0,
    }
    platform = build_platform(make_settings(tmp_path, database_url, **down))
    try:
        merchant = await f.merchant(platform)
        await cards.rate(platform)
        async with await client_for(platform) as client:
            sent = await cards.submit_trade(client, merchant["peertupeer"]["live_key"])
            assert sent.status_code == 503, sent.text
            assert sent.headers["retry-after"] == "5"
            body = sent.json()
            assert body == {"success": False, "message": "File storage is unavailable. Retry later."}
            assert "127.0.0.1" not in sent.text and "Traceback" not in sent.text
        counts = await cards.count_rows(platform)
        assert counts["trades"] == 0 and counts["stored_files"] == 0 and counts["files"] == 0
    finally:
        await platform.aclose()
