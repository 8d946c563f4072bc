"""The composition root of shared services: built once per process from Settings and handed
to every surface (through app state) and every job (through the job context)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from peerx.core.db import Database
from peerx.core.http import OutboundClient
from peerx.core.jobs import WAKE_KEY, JobContext, Worker
from peerx.core.object_store import LocalObjectStore, ObjectStore, S3ObjectStore
from peerx.core.private_files import private_dir
from peerx.core.ratelimit import RateLimiter
from peerx.core.secrets import FieldCipher, KeyMaterial, load_key_material, require_shared_secrets
from peerx.core.storage import FileStore
from peerx.rails.registry import RailRegistry
from peerx.settings import Settings

T = TypeVar("T")


@dataclass
class Platform:
    settings: Settings
    db: Database
    keys: KeyMaterial
    files: FileStore
    limiter: RateLimiter
    outbound: OutboundClient
    rails: RailRegistry
    worker: Worker = field(init=False)
    extensions: dict[type, object] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.worker = Worker(
            self.db,
            JobContext(db=self.db, services=self),
            lease_seconds=self.settings.job_lease_seconds,
            batch_size=self.settings.worker_batch_size,
        )
        # Work queued in a committed transaction wakes the in-process worker at once.
        self.db.session_info[WAKE_KEY] = self.worker.wakeup.set

    @property
    def cipher(self) -> FieldCipher:
        return self.keys.cipher

    def extension(self, kind: type[T], build: Callable[[], T]) -> T:
        """The process's one `kind` (a product's long-lived helper: its chain client, socket hub,
        push provider), built on first use and kept with the platform."""
        found = self.extensions.get(kind)
        if found is None:
            found = self.extensions[kind] = build()
        return cast(T, found)

    @classmethod
    def build(cls, settings: Settings, **overrides: Any) -> Platform:
        require_shared_secrets(settings)  # before anything is generated into data_dir
        private_dir(settings.data_dir)
        db = Database(
            settings.effective_database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
        outbound = OutboundClient(
            timeout_seconds=settings.outbound_timeout_seconds, allow_private=settings.allow_private_targets
        )
        parts: dict[str, Any] = {
            "settings": settings,
            "db": db,
            "keys": load_key_material(settings),
            "files": FileStore(
                object_store(settings),
                db,
                max_bytes=settings.max_upload_bytes,
                max_pixels=settings.max_image_pixels,
            ),
            "limiter": RateLimiter(settings.redis_url),
            "outbound": outbound,
            "rails": RailRegistry.from_settings(settings, outbound, db),
        }
        parts.update(overrides)
        return cls(**parts)

    async def aclose(self) -> None:
        await self.limiter.aclose()
        await self.outbound.aclose()
        await self.db.dispose()


def object_store(settings: Settings) -> ObjectStore:
    """Uploads in the S3 bucket when one is configured, else on this machine's disk."""
    if not settings.s3_bucket:
        return LocalObjectStore(settings.data_dir / "files")
    return S3ObjectStore(
        settings.s3_bucket,
        prefix=settings.s3_prefix,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
        server_side_encryption=settings.s3_server_side_encryption,
        timeout_seconds=settings.s3_timeout_seconds,
    )
