"""Presigned direct uploads: the client PUTs each file to storage, then asks media-service to process it.

For large batches the bytes never pass through the gateway or media-service's request body; completing an
upload streams the staged object back through the same checks as a multipart upload.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
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
from media_service.models import StagedUpload
from media_service.uploads.incoming import IncomingFile

# A client still PUTting when its URL expired may finish a little later; the sweep waits this long past expiry.
STAGED_GRACE = timedelta(hours=1)


class UploadService:
    async def create(
        self,
        session: AsyncSession,
        ctx: MediaContext,
        tenant_id: uuid.UUID,
        files: Sequence[DirectUploadFile],
    ) -> list[DirectUpload]:
        """One presigned PUT per file, valid ``upload_url_ttl_s``; each recorded, so that an upload never
        completed is removed from storage once it has expired (``sweep``)."""
        ttl = ctx.settings.upload_url_ttl_s
        expires_at = datetime.now(UTC) + timedelta(seconds=ttl)
        uploads = []
        for f in files:
            upload_id = uuid.uuid4()
            key = keys.upload_key(tenant_id, upload_id)
            session.add(StagedUpload(key=key, tenant_id=tenant_id, expires_at=expires_at))
            signed = await ctx.storage.signed_upload(key, ttl)
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
            await session.execute(sa.delete(StagedUpload).where(StagedUpload.key == key))
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


async def sweep(ctx: MediaContext) -> int:
    """Remove staged objects whose upload URL expired ``STAGED_GRACE`` ago without being completed (one
    batch per database; replicas skip each other's rows); returns how many went."""
    removed = 0
    for database in ctx.db.names:
        removed += await _sweep_on(ctx, database)
    return removed


async def _sweep_on(ctx: MediaContext, database: str) -> int:
    async with ctx.db.database_session(database) as session:
        rows = (
            await session.scalars(
                sa.select(StagedUpload)
                .where(StagedUpload.expires_at < datetime.now(UTC) - STAGED_GRACE)
                .order_by(StagedUpload.expires_at)
                .limit(500)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return 0
        await ctx.storage.delete([r.key for r in rows])  # a key never PUT is simply not there
        await session.execute(sa.delete(StagedUpload).where(StagedUpload.key.in_([r.key for r in rows])))
        await session.commit()  # commit: the objects are gone, so are their rows
    return len(rows)


upload_service = UploadService()
