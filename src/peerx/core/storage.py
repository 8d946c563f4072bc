"""Uploaded files: type checked from the bytes (never the client's claim), size limited, stored
once by content hash in an object store (data_dir/files, or an S3 bucket: core/object_store.py),
never served publicly. A file written for a request that rolls back is removed again, unless a
committed row still refers to it."""

from __future__ import annotations

import asyncio
import hashlib
import io
import warnings
from datetime import datetime
from functools import partial
from typing import Any, cast

import filetype
from PIL import Image, UnidentifiedImageError
from sqlalchemy import String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base, Database, on_commit, on_rollback, utcnow
from peerx.core.errors import InvalidField
from peerx.core.object_store import ObjectStore

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


class StoredFile(Base):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_at: Mapped[datetime]


def _upserts() -> dict[str, Any]:
    """The stored_files upsert per dialect, built once: executed with a list of rows it is one
    INSERT of every row (SQLAlchemy's insertmanyvalues) from a cached compilation."""
    table = cast(Table, StoredFile.__table__)
    built: dict[str, Any] = {}
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert)):
        statement = insert(table)
        built[name] = statement.on_conflict_do_update(
            index_elements=["sha256"], set_={"sha256": statement.excluded.sha256}
        ).returning(table.c.id, table.c.sha256, table.c.content_type, table.c.size, table.c.created_at)
    return built


_UPSERTS = _upserts()


def _upsert(dialect: str) -> Any:
    return _UPSERTS[dialect]


class FileStore:
    def __init__(self, objects: ObjectStore, db: Database, *, max_bytes: int, max_pixels: int = 40_000_000):
        self.objects = objects
        self.db = db
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels

    def check_image(self, field: str, data: bytes) -> str:
        """Validate without storing; returns the detected content type."""
        if not data:
            raise InvalidField(field, "is required and must not be empty")
        if len(data) > self.max_bytes:
            raise InvalidField(field, f"must be at most {self.max_bytes // (1024 * 1024)} MB")
        kind = filetype.guess(data)
        if kind is None or kind.mime not in IMAGE_TYPES:
            raise InvalidField(field, "must be a JPEG, PNG, WebP or GIF image")
        too_many_pixels = InvalidField(field, f"must be at most {self.max_pixels} pixels")
        try:
            # Opening reads only the header; the size is checked before anything is decoded, and
            # Pillow's own bomb warning is ours to answer (its error, past twice its limit, too).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as image:
                    width, height = image.size
                    if width * height > self.max_pixels:
                        raise too_many_pixels
                    image.verify()  # a real, decodable image, not just a magic number
        except Image.DecompressionBombError:
            raise too_many_pixels from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise InvalidField(field, "is not a readable image") from exc
        return str(kind.mime)

    async def store(self, session: AsyncSession, data: bytes, content_type: str) -> StoredFile:
        (stored,) = await self.store_many(session, [(data, content_type)])
        return stored

    async def store_many(self, session: AsyncSession, uploads: list[tuple[bytes, str]]) -> list[StoredFile]:
        """Store each (data, content type) and return its row, in order, in one round trip: one
        multi-row upsert whose RETURNING gives new and existing rows alike (a no-op update on
        conflict; DO NOTHING would return nothing for an existing file and need a select per
        file, which in read committed may also miss a row a concurrent request just inserted)."""
        now = utcnow()
        rows: dict[str, dict[str, object]] = {}
        blobs: dict[str, bytes] = {}
        digests = []
        for data, content_type in uploads:
            digest = hashlib.sha256(data).hexdigest()
            digests.append(digest)
            if digest in rows:  # the same bytes twice: one row (an upsert may not touch a row twice)
                continue
            rows[digest] = {"sha256": digest, "content_type": content_type, "size": len(data), "created_at": now}
            blobs[digest] = data
        # Every object at once (each is a round trip to S3), before the row that refers to it. One
        # that fails fails the request, after the others this call wrote are marked for removal.
        outcomes = await asyncio.gather(
            *(self.objects.put_new(digest, data) for digest, data in blobs.items()), return_exceptions=True
        )
        for (digest, data), wrote in zip(blobs.items(), outcomes, strict=True):
            if wrote is True:
                on_rollback(session, partial(self._discard_unreferenced, digest, data))
            elif wrote is False:
                # Found, not written: a concurrent upload that wrote it may roll back and remove it
                # before this commits (its check cannot see this uncommitted row). Put it back once
                # committed; a no-op when it is there.
                on_commit(session, partial(self._put_back, digest, data))
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        returned = await session.execute(_upsert(session.get_bind().dialect.name), list(rows.values()))
        found = {row.sha256: row for row in returned}
        # Plain objects (not loaded into the session): nothing here is changed or reloaded later.
        return [StoredFile(**found[digest]._asdict()) for digest in digests]

    async def _discard_unreferenced(self, digest: str, data: bytes) -> None:
        """Remove what a rolled-back upload wrote unless a committed row refers to it; if a row
        was committed meanwhile (between the check and the delete), write the bytes back."""
        if await self._referenced(digest):
            return
        await self.objects.delete(digest)
        if await self._referenced(digest):
            await self.objects.put_new(digest, data)

    async def _put_back(self, digest: str, data: bytes) -> None:
        await self.objects.put_new(digest, data)

    async def _referenced(self, digest: str) -> bool:
        async with self.db.transaction() as session:
            return await session.scalar(select(StoredFile.id).where(StoredFile.sha256 == digest)) is not None

    async def read(self, stored: StoredFile) -> bytes:
        return await self.objects.get(stored.sha256)
