"""Local directory storage (the default): files on disk, URLs signed with HMAC and served by media-service."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

from media_service.config import Settings
from media_service.storage.base import SignedUpload
from media_service.storage.signing import UrlSigner, valid_key

CHUNK = 256 * 1024


class LocalStorage:
    """Objects are files under ``root``; their keys are relative paths."""

    def __init__(self, root: Path, signer: UrlSigner, public_base_url: str) -> None:
        self.root = root.resolve()
        self.signer = signer
        self.public_base_url = public_base_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalStorage:
        signer = UrlSigner(settings.url_signing_key.get_secret_value().encode())
        return cls(settings.local_storage_dir, signer, settings.public_base_url)

    def path_of(self, key: str) -> Path:
        """The file of ``key``; ``KeyError`` for a key media-service would never make."""
        if not valid_key(key):
            raise KeyError(key)
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise KeyError(key)
        return path

    async def start(self) -> None:
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)

    async def close(self) -> None:
        return None

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        target = self.path_of(key)

        def copy() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write beside, then rename: a reader never sees half a file.
            partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
            shutil.copyfile(path, partial)
            partial.replace(target)

        await asyncio.to_thread(copy)

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError as exc:
            raise KeyError(key) from exc
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    async def size(self, key: str) -> int | None:
        try:
            return (await asyncio.to_thread(self.path_of(key).stat)).st_size
        except (FileNotFoundError, KeyError):
            return None

    async def delete(self, keys: list[str]) -> None:
        def remove() -> None:
            for key in keys:
                self.path_of(key).unlink(missing_ok=True)

        await asyncio.to_thread(remove)

    async def delete_prefix(self, prefix: str) -> int:
        base = self.path_of(prefix.rstrip("/"))

        def remove() -> int:
            if not base.exists():
                return 0
            count = sum(1 for p in base.rglob("*") if p.is_file())
            shutil.rmtree(base, ignore_errors=True)
            return count

        return await asyncio.to_thread(remove)

    def _url(self, method: str, key: str, ttl_s: int) -> str:
        expires, sig = self.signer.sign(method, key, ttl_s)
        return f"{self.public_base_url}/files/{quote(key)}?expires={expires}&sig={sig}"

    async def signed_url(self, key: str, ttl_s: int, *, content_type: str | None = None) -> str:
        return self._url("GET", key, ttl_s)

    async def signed_upload(self, key: str, ttl_s: int) -> SignedUpload:
        return SignedUpload(url=self._url("PUT", key, ttl_s))

    async def ready(self) -> bool:
        return await asyncio.to_thread(os.access, self.root, os.W_OK)
