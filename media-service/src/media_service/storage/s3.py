"""S3-compatible storage through aioboto3 (Cloudflare R2 in production, moto in tests)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aioboto3
from aiobotocore.config import AioConfig
from botocore.exceptions import BotoCoreError, ClientError

from media_service.config import MAX_PRESIGN_TTL_S, Settings
from media_service.storage.base import SignedUpload, StorageUnavailable

logger = logging.getLogger(__name__)
CHUNK = 256 * 1024


class S3Storage:
    """One long-lived client; presigned URLs are computed locally (no network)."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        access_key_id: str,
        secret_access_key: str,
        addressing_style: str = "path",
        list_page_size: int = 1000,
    ) -> None:
        self.bucket = bucket
        self.list_page_size = list_page_size
        self._client_args: dict[str, Any] = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            "aws_access_key_id": access_key_id or None,
            "aws_secret_access_key": secret_access_key or None,
            # R2 rejects the CRC32 checksums botocore >= 1.36 sends by default.
            "config": AioConfig(
                signature_version="s3v4",
                s3={"addressing_style": addressing_style},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        }
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        return cls(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id.get_secret_value(),
            secret_access_key=settings.s3_secret_access_key.get_secret_value(),
            addressing_style=settings.s3_addressing_style,
        )

    @property
    def client(self) -> Any:
        if self._client is None:
            raise StorageUnavailable("The storage client is not started.")
        return self._client

    async def start(self) -> None:
        session = aioboto3.Session()
        self._client = await self._stack.enter_async_context(session.client("s3", **self._client_args))

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        try:
            await self.client.upload_file(
                str(path), self.bucket, key, ExtraArgs={"ContentType": content_type}
            )
        except (ClientError, BotoCoreError) as exc:
            logger.warning("S3 upload failed", extra={"key": key, "error": str(exc)})
            raise StorageUnavailable("Could not store the image.") from exc

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        try:
            response = await self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise KeyError(key) from exc
            raise StorageUnavailable("Could not read the image.") from exc
        body = response["Body"]
        try:
            while chunk := await body.read(CHUNK):
                yield chunk
        finally:
            body.close()

    async def size(self, key: str) -> int | None:
        try:
            head = await self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise StorageUnavailable("Could not read the image.") from exc
        return int(head["ContentLength"])

    async def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            await self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    async def delete_prefix(self, prefix: str) -> int:
        deleted = 0
        paginator = self.client.get_paginator("list_objects_v2")
        async for page in paginator.paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": self.list_page_size}
        ):
            keys = [obj["Key"] for obj in page.get("Contents", [])]
            if keys:
                await self.delete(keys)
                deleted += len(keys)
        return deleted

    async def signed_url(self, key: str, ttl_s: int, *, content_type: str | None = None) -> str:
        params: dict[str, str] = {"Bucket": self.bucket, "Key": key}
        if content_type:
            params["ResponseContentType"] = content_type
        url: str = await self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=min(max(ttl_s, 1), MAX_PRESIGN_TTL_S)
        )
        return url

    async def signed_upload(self, key: str, ttl_s: int) -> SignedUpload:
        url: str = await self.client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=min(max(ttl_s, 1), MAX_PRESIGN_TTL_S),
        )
        return SignedUpload(url=url)

    async def ready(self) -> bool:
        try:
            await self.client.head_bucket(Bucket=self.bucket)
        except Exception:
            return False
        return True
