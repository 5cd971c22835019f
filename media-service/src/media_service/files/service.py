"""Checking signatures and moving bytes for the local backend's URLs."""

from __future__ import annotations

import asyncio
import mimetypes
import tempfile
import time
from pathlib import Path

from fastapi import Request
from fastapi.responses import StreamingResponse
from vitrine_kit.errors import Forbidden, NotFound

from media_service.context import MediaContext
from media_service.keys import is_upload_key
from media_service.processing.errors import ImageTooLarge
from media_service.storage.local import LocalStorage


class SignatureInvalid(Forbidden):
    code, title = "signature-invalid", "The URL's signature does not match"


class UrlExpired(Forbidden):
    code, title = "url-expired", "The URL has expired"


class FileNotFound(NotFound):
    code, title = "file-not-found", "No such file"


class FileService:
    @staticmethod
    def local(ctx: MediaContext) -> LocalStorage:
        """The local backend; with S3, these URLs do not exist (S3 serves its own)."""
        if not isinstance(ctx.storage, LocalStorage):
            raise FileNotFound("Files are served by the object storage.")
        return ctx.storage

    @staticmethod
    def check(storage: LocalStorage, method: str, key: str, expires: int, sig: str) -> None:
        reason = storage.signer.check(method, key, expires, sig)
        if reason == "signature":
            raise SignatureInvalid()
        if reason == "expired":
            raise UrlExpired()
        if method == "PUT" and not is_upload_key(key):
            raise SignatureInvalid("Only direct uploads may be written.")

    @staticmethod
    async def serve(storage: LocalStorage, key: str, expires: int) -> StreamingResponse:
        size = await storage.size(key)
        if size is None:
            raise FileNotFound()
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        max_age = max(0, expires - int(time.time()))
        headers = {
            "Content-Length": str(size),
            "Cache-Control": f"private, max-age={max_age}",
            "X-Content-Type-Options": "nosniff",
        }
        return StreamingResponse(storage.stream(key), media_type=content_type, headers=headers)

    @staticmethod
    async def receive(storage: LocalStorage, ctx: MediaContext, key: str, request: Request) -> None:
        """Stream the body to a temp file (refusing past the per-image limit), then store it."""
        limit = ctx.settings.max_image_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ImageTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB.")
        with tempfile.NamedTemporaryFile(dir=ctx.settings.tmp_dir) as spool:
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ImageTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB.")
                await asyncio.to_thread(spool.write, chunk)
            await asyncio.to_thread(spool.flush)
            await storage.put_file(key, Path(spool.name), "application/octet-stream")


file_service = FileService()
