"""Presigned direct uploads: the client PUTs each file to storage, then asks media-service to process it.

For large batches the bytes never pass through the gateway or media-service's request body; completing an
upload streams the staged object back through the same checks as a multipart upload.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.errors import problem_body
from vitrine_kit.events.outbox import Outbox

from media_service import keys
from media_service.context import MediaContext
from media_service.images.errors import UploadNotFound
from media_service.images.schemas import (
    CompleteUpload,
    DirectUpload,
    DirectUploadFile,
    UploadResult,
)
from media_service.images.service import image_service
from media_service.uploads.incoming import IncomingFile


class UploadService:
    async def create(
        self, ctx: MediaContext, tenant_id: uuid.UUID, files: Sequence[DirectUploadFile]
    ) -> list[DirectUpload]:
        """One presigned PUT per file, valid ``upload_url_ttl_s``."""
        ttl = ctx.settings.upload_url_ttl_s
        expires_at = datetime.now(UTC) + timedelta(seconds=ttl)
        uploads = []
        for f in files:
            upload_id = uuid.uuid4()
            signed = await ctx.storage.signed_upload(keys.upload_key(tenant_id, upload_id), ttl)
            uploads.append(
                DirectUpload(
                    upload_id=upload_id,
                    filename=f.filename,
                    method=signed.method,
                    url=signed.url,
                    headers=signed.headers,
                    expires_at=expires_at,
                )
            )
        return uploads

    async def complete(
        self,
        session: AsyncSession,
        ctx: MediaContext,
        outbox: Outbox,
        tenant_id: uuid.UUID,
        uploads: Sequence[CompleteUpload],
    ) -> list[UploadResult]:
        """Process each staged file like a multipart upload; the staged object is removed either way."""
        results = []
        for upload in uploads:
            key = keys.upload_key(tenant_id, upload.upload_id)
            filename = upload.filename or str(upload.upload_id)
            incoming = await self._fetch(ctx, key, filename)
            if incoming is None:
                exc = UploadNotFound(f"Nothing was uploaded for {upload.upload_id}.")
                body = problem_body(exc.status, exc.code, exc.title, exc.detail, filename=filename)
                results.append(UploadResult(filename=filename, status=404, problem=body))
                continue
            results.extend(await image_service.ingest_all(session, ctx, outbox, tenant_id, [incoming]))
            await ctx.storage.delete([key])
        return results

    @staticmethod
    async def _fetch(ctx: MediaContext, key: str, filename: str) -> IncomingFile | None:
        """Stream the staged object into a temp file (stopping at the per-image limit)."""
        limit = ctx.settings.max_image_bytes
        size = await ctx.storage.size(key)
        if size is None:
            return None
        incoming = IncomingFile(filename=filename, limit=limit, tmp_dir=ctx.settings.tmp_dir)
        if size > limit:
            incoming.size, incoming.too_large = size, True
            return incoming
        async for chunk in ctx.storage.stream(key):
            incoming.write(chunk)
            if incoming.too_large:
                break
        return incoming


upload_service = UploadService()
