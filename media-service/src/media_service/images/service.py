"""Images of a tenant: ingest an upload (check, process, de-duplicate, store, emit), read, sign, delete."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.media import Derivative, ImageDeleted, ImageProcessed
from vitrine_kit.errors import ProblemError, problem_body
from vitrine_kit.events.outbox import Outbox

from media_service import keys
from media_service.context import MediaContext
from media_service.images import repository
from media_service.images.errors import ImageNotFound, RenditionNotFound
from media_service.images.schemas import ImageOut, RenditionOut, UploadResult
from media_service.models import Image
from media_service.processing.budget import BYTES_PER_PIXEL, declared_pixels
from media_service.processing.errors import EmptyFile, ImageTooLarge, UnsupportedImageType
from media_service.processing.pipeline import EXTENSIONS, ProcessedImage, process
from media_service.processing.sniff import SourceFormat, sniff
from media_service.uploads.incoming import IncomingFile

logger = logging.getLogger(__name__)
RENDITION_NAMES = ("original", "large", "medium", "thumb")


class ImageService:
    async def ingest_all(
        self,
        session: AsyncSession,
        ctx: MediaContext,
        outbox: Outbox,
        tenant_id: uuid.UUID,
        files: Sequence[IncomingFile],
    ) -> list[UploadResult]:
        """One result per file; a refused file does not stop the others."""
        results: list[UploadResult] = []
        for incoming in files:
            try:
                image, created = await self.ingest(session, ctx, outbox, tenant_id, incoming)
            except ProblemError as exc:
                body = problem_body(exc.status, exc.code, exc.title, exc.detail, filename=incoming.filename)
                results.append(UploadResult(filename=incoming.filename, status=exc.status, problem=body))
                continue
            finally:
                incoming.discard()
            view = await self.view(ctx, tenant_id, image)
            status = 201 if created else 200
            results.append(
                UploadResult(filename=incoming.filename, status=status, duplicate=not created, image=view)
            )
        return results

    async def ingest(
        self,
        session: AsyncSession,
        ctx: MediaContext,
        outbox: Outbox,
        tenant_id: uuid.UUID,
        incoming: IncomingFile,
    ) -> tuple[Image, bool]:
        """The image of these bytes: the tenant's existing one, or a new one processed and stored."""
        limit_mb = ctx.settings.max_image_bytes // (1024 * 1024)
        if incoming.too_large:
            raise ImageTooLarge(f"'{incoming.filename}' is larger than {limit_mb} MB.")
        if incoming.size == 0:
            raise EmptyFile(f"'{incoming.filename}' is empty.")
        existing = await repository.by_hash(session, incoming.content_hash)
        fmt = sniff(incoming.head)
        if existing is not None:
            if fmt is not None and not await self._stored(ctx, tenant_id, existing):
                await self._heal(ctx, tenant_id, existing, incoming, fmt)
            return existing, False
        if fmt is None:
            raise UnsupportedImageType(f"'{incoming.filename}' is not a JPEG, PNG, WebP or HEIC image.")
        work_dir = Path(await asyncio.to_thread(tempfile.mkdtemp, dir=ctx.settings.tmp_dir))
        try:
            processed = await self._process(ctx, incoming, fmt, work_dir)
            image_id = uuid.uuid4()
            values = self._row(image_id, incoming, fmt.value, processed)
            if not await repository.insert_unless_duplicate(session, values):
                winner = await repository.by_hash(session, incoming.content_hash)
                assert winner is not None
                return winner, False
            await self._store(ctx, tenant_id, image_id, processed)
        finally:
            await asyncio.to_thread(shutil.rmtree, work_dir, True)
        image = await repository.get(session, image_id)
        assert image is not None
        outbox.add(session, self._processed_event(image), tenant_id=tenant_id)
        return image, True

    @staticmethod
    async def _process(
        ctx: MediaContext, incoming: IncomingFile, fmt: SourceFormat, work_dir: Path
    ) -> ProcessedImage:
        """Decode, clean and resize in the pool, once the memory it will take fits in the budget."""
        pixels = await asyncio.to_thread(declared_pixels, incoming.reader(), fmt)
        async with ctx.budget.hold((pixels or 0) * BYTES_PER_PIXEL):
            return await ctx.cpu(
                process,
                incoming.reader(),
                fmt,
                work_dir,
                max_pixels=ctx.settings.max_image_pixels,
                quality=ctx.quality,
            )

    @staticmethod
    async def _stored(ctx: MediaContext, tenant_id: uuid.UUID, image: Image) -> bool:
        """Whether the image's original is in storage (a wiped disk or a lifecycle rule may have taken it)."""
        key = keys.rendition_key(tenant_id, image.id, "original", image.original_format)
        return await ctx.storage.size(key) is not None

    async def _heal(
        self, ctx: MediaContext, tenant_id: uuid.UUID, image: Image, incoming: IncomingFile, fmt: SourceFormat
    ) -> None:
        """The same bytes again for an image whose files are gone: make and store them again under its id, so
        every URL already handed out works again."""
        work_dir = Path(await asyncio.to_thread(tempfile.mkdtemp, dir=ctx.settings.tmp_dir))
        try:
            processed = await self._process(ctx, incoming, fmt, work_dir)
            await self._store(ctx, tenant_id, image.id, processed)
        finally:
            await asyncio.to_thread(shutil.rmtree, work_dir, True)
        logger.warning(
            "image files were missing: stored again from a re-upload", extra={"image": str(image.id)}
        )

    @staticmethod
    def _row(image_id: uuid.UUID, incoming: IncomingFile, fmt: str, p: ProcessedImage) -> dict[str, object]:
        return {
            "id": image_id,
            "content_hash": incoming.content_hash,
            "filename": incoming.filename,
            "source_format": fmt,
            "source_bytes": incoming.size,
            "width": p.width,
            "height": p.height,
            "original_format": p.original.format,
            "original_bytes": p.original.bytes,
            "derivatives": [
                {"name": d.name, "format": d.format, "width": d.width, "height": d.height, "bytes": d.bytes}
                for d in p.derivatives
            ],
            "created_at": datetime.now(UTC),
        }

    @staticmethod
    async def _store(ctx: MediaContext, tenant_id: uuid.UUID, image_id: uuid.UUID, p: ProcessedImage) -> None:
        renditions = [p.original, *p.derivatives]
        await asyncio.gather(
            *(
                ctx.storage.put_file(
                    keys.rendition_key(tenant_id, image_id, r.name, r.format), r.path, r.content_type
                )
                for r in renditions
            )
        )

    @staticmethod
    def _processed_event(image: Image) -> ImageProcessed:
        return ImageProcessed(
            image_id=image.id,
            content_hash=image.content_hash,
            width=image.width,
            height=image.height,
            derivatives=[Derivative(**d) for d in image.derivatives],
        )

    async def get(self, session: AsyncSession, image_id: uuid.UUID) -> Image:
        image = await repository.get(session, image_id)
        if image is None:
            raise ImageNotFound(f"No image {image_id}.")
        return image

    async def view(
        self, ctx: MediaContext, tenant_id: uuid.UUID, image: Image, ttl_s: int | None = None
    ) -> ImageOut:
        """The image with a signed URL for each of its files."""
        ttl = ttl_s or ctx.settings.url_ttl_s

        async def rendition(name: str, fmt: str, width: int, height: int, size: int) -> RenditionOut:
            key = keys.rendition_key(tenant_id, image.id, name, fmt)
            url = await ctx.storage.signed_url(key, ttl)
            return RenditionOut(name=name, format=fmt, width=width, height=height, bytes=size, url=url)

        original = await rendition(
            "original", image.original_format, image.width, image.height, image.original_bytes
        )
        derivatives = [
            await rendition(d["name"], d["format"], d["width"], d["height"], d["bytes"])
            for d in image.derivatives
        ]
        return ImageOut(
            id=image.id,
            filename=image.filename,
            content_hash=image.content_hash,
            source_format=image.source_format,
            width=image.width,
            height=image.height,
            created_at=image.created_at,
            original=original,
            derivatives=derivatives,
            urls_expire_at=datetime.now(UTC) + timedelta(seconds=ttl),
        )

    def rendition_key(self, tenant_id: uuid.UUID, image: Image, rendition: str) -> tuple[str, str]:
        """(key, content type) of ``large.webp``-style ``rendition``; ``RenditionNotFound`` otherwise."""
        name, _, ext = rendition.partition(".")
        if name == "original":
            fmt = image.original_format
        else:
            fmt = next((f for f, e in EXTENSIONS.items() if e == ext), "")
            if name not in RENDITION_NAMES or not any(
                d["name"] == name and d["format"] == fmt for d in image.derivatives
            ):
                raise RenditionNotFound(f"Image {image.id} has no '{rendition}'.")
        if ext and ext != EXTENSIONS[fmt]:
            raise RenditionNotFound(f"Image {image.id} has no '{rendition}'.")
        content_type = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[fmt]
        return keys.rendition_key(tenant_id, image.id, name, fmt), content_type

    async def signed_rendition_url(
        self,
        session: AsyncSession,
        ctx: MediaContext,
        tenant_id: uuid.UUID,
        image_id: uuid.UUID,
        rendition: str,
    ) -> str:
        image = await self.get(session, image_id)
        key, content_type = self.rendition_key(tenant_id, image, rendition)
        return await ctx.storage.signed_url(key, ctx.settings.url_ttl_s, content_type=content_type)

    async def delete(
        self, session: AsyncSession, outbox: Outbox, tenant_id: uuid.UUID, image_id: uuid.UUID
    ) -> str:
        """Delete the row and emit ``media.image.deleted``; returns the prefix whose files go after commit."""
        image = await self.get(session, image_id)
        await repository.delete(session, image)
        outbox.add(session, ImageDeleted(image_id=image_id), tenant_id=tenant_id)
        return keys.image_prefix(tenant_id, image_id)

    async def resolve(
        self,
        session: AsyncSession,
        ctx: MediaContext,
        tenant_id: uuid.UUID,
        image_ids: Sequence[uuid.UUID],
        ttl_s: int | None,
    ) -> list[tuple[uuid.UUID, ImageOut | None]]:
        found = {image.id: image for image in await repository.many(session, image_ids)}
        return [
            (i, await self.view(ctx, tenant_id, found[i], ttl_s) if i in found else None) for i in image_ids
        ]


async def remove_files(ctx: MediaContext, prefix: str) -> None:
    """After the commit: remove an image's files (a failure leaves orphans, logged, never wrong data)."""
    try:
        await ctx.storage.delete_prefix(prefix)
    except Exception:
        logger.exception("could not remove image files", extra={"prefix": prefix})


image_service = ImageService()
