"""Where uploaded bytes live, by content hash: a folder under data_dir (the embedded default)
or an S3-compatible bucket (more than one machine, docs/multi-machine.md). Both keep objects
private; neither is ever served directly. The database rows that refer to them are FileStore's."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from peerx.core.errors import NotFound, Unavailable
from peerx.core.private_files import private_dir, write_private

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

STORAGE_DOWN = "File storage is unavailable. Retry later."


class ObjectStore(Protocol):
    """Objects named by the sha256 of their bytes: what is stored under a name never changes."""

    async def put_new(self, digest: str, data: bytes) -> bool:
        """Store `data` unless an object of that name exists; True when this call wrote it."""
        ...

    async def get(self, digest: str) -> bytes:
        """The object's bytes; NotFound when missing, Unavailable when the store cannot answer."""
        ...

    async def delete(self, digest: str) -> None:
        """Remove the object if present."""
        ...


class LocalObjectStore:
    """data_dir/files/ab/cd/<sha256>: 0600 files in 0700 folders, written whole then renamed."""

    def __init__(self, root: Path):
        self.root = root

    def path_for(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    async def put_new(self, digest: str, data: bytes) -> bool:
        path = self.path_for(digest)
        if path.exists():
            return False
        write_private(private_dir(path.parent) / path.name, data)
        return True

    async def get(self, digest: str) -> bytes:
        try:
            return self.path_for(digest).read_bytes()
        except FileNotFoundError:
            log.error("stored file %s is missing from %s", digest, self.root)
            raise NotFound("The stored file is missing.") from None

    async def delete(self, digest: str) -> None:
        self.path_for(digest).unlink(missing_ok=True)


class S3ObjectStore:
    """<prefix><sha256> in one bucket, through boto3 (its client is thread-safe: one per process,
    each call in a worker thread). Objects get no ACL (private, as the bucket's owner decides);
    server-side encryption is asked for when configured. A store that cannot be reached or
    answers an error is Unavailable (503 + Retry-After in each surface's envelope)."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "files/",
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
        server_side_encryption: str = "",
        timeout_seconds: float = 10.0,
    ):
        # boto3 is imported here: its import costs a quarter second, paid only when S3 is used.
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix
        self._extra: dict[str, Any] = {"ServerSideEncryption": server_side_encryption} if server_side_encryption else {}
        config = Config(
            region_name=region,
            connect_timeout=timeout_seconds,
            read_timeout=timeout_seconds,
            # Fail within seconds when the store is down (the request answers 503), not minutes.
            retries={"mode": "standard", "total_max_attempts": 3},
            max_pool_connections=32,
        )
        # Empty keys: the SDK's own chain (environment, profile, instance or task role).
        self.client: S3Client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            config=config,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
        )

    def key_for(self, digest: str) -> str:
        return f"{self.prefix}{digest}"

    async def put_new(self, digest: str, data: bytes) -> bool:
        return bool(await self._call(self._put_new, digest, data))

    def _put_new(self, digest: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        try:
            # A conditional write: stored once even when two machines upload the same bytes at once.
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key_for(digest),
                Body=data,
                IfNoneMatch="*",
                ContentType="application/octet-stream",
                **self._extra,
            )
        except ClientError as exc:
            if _status(exc) in (409, 412):  # already there (412), or being written by another (409)
                return False
            raise
        return True

    async def get(self, digest: str) -> bytes:
        return bytes(await self._call(self._get, digest))

    def _get(self, digest: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.key_for(digest))
        except ClientError as exc:
            if _status(exc) == 404:
                log.error("stored file %s is missing from bucket %s", digest, self.bucket)
                raise NotFound("The stored file is missing.") from None
            raise
        return found["Body"].read()

    async def delete(self, digest: str) -> None:
        await self._call(lambda: self.client.delete_object(Bucket=self.bucket, Key=self.key_for(digest)))

    async def _call(self, function: Any, *args: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await asyncio.to_thread(function, *args)
        except (BotoCoreError, ClientError) as exc:
            # The class and code only: botocore's messages may carry the endpoint's address.
            code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
            log.warning("object storage failed: %s %s", type(exc).__name__, code)
            raise Unavailable(STORAGE_DOWN, retry_after=5) from None


def _status(exc: Any) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
