"""Storage and database kept honest with each other: ``media-service check-storage [--repair]``.

Every image row of every tenant is checked against the objects it names. With ``--repair``: renditions
missing beside a present original are made again from it; an image whose original is gone cannot be made
again, so its row is deleted and ``media.image.deleted`` emitted (catalog takes the photo off its products
and listings), and a re-upload of the same photo later makes it anew.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from vitrine_contracts.media import ImageDeleted
from vitrine_kit.db.engine import Database, database_from_settings
from vitrine_kit.events.outbox import Outbox

from media_service import keys
from media_service.config import Settings
from media_service.models import Image
from media_service.processing.pipeline import Quality, process
from media_service.processing.sniff import SourceFormat
from media_service.storage import Storage, build_storage

logger = logging.getLogger(__name__)


@dataclass
class Report:
    images: int = 0
    healthy: int = 0
    remade: list[uuid.UUID] = field(default_factory=list)
    lost: list[uuid.UUID] = field(default_factory=list)
    broken: list[uuid.UUID] = field(default_factory=list)  # found, not repaired (no --repair)


def _keys(tenant_id: uuid.UUID, image: Image) -> tuple[str, list[str]]:
    original = keys.rendition_key(tenant_id, image.id, "original", image.original_format)
    derived = [keys.rendition_key(tenant_id, image.id, d["name"], d["format"]) for d in image.derivatives]
    return original, derived


async def _missing(storage: Storage, names: list[str]) -> list[str]:
    sizes = await asyncio.gather(*(storage.size(k) for k in names))
    return [k for k, size in zip(names, sizes, strict=True) if size is None]


async def _remake(
    storage: Storage, settings: Settings, tenant_id: uuid.UUID, image: Image, missing: set[str]
) -> None:
    """The derivatives made again from the stored original; only the missing ones are written."""
    work = Path(await asyncio.to_thread(tempfile.mkdtemp, dir=settings.tmp_dir))
    try:
        source = work / "source"
        original_key, _ = _keys(tenant_id, image)
        with source.open("wb") as out:
            async for chunk in storage.stream(original_key):
                await asyncio.to_thread(out.write, chunk)
        quality = Quality(
            jpeg=settings.jpeg_quality, webp=settings.webp_quality, original=settings.original_quality
        )
        fmt = SourceFormat(image.original_format)
        with source.open("rb") as data:
            made = await asyncio.to_thread(
                process, data, fmt, work, max_pixels=settings.max_image_pixels, quality=quality
            )
        for rendition in made.derivatives:
            key = keys.rendition_key(tenant_id, image.id, rendition.name, rendition.format)
            if key in missing:
                await storage.put_file(key, rendition.path, rendition.content_type)
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)


async def check_storage(db: Database, storage: Storage, settings: Settings, *, repair: bool) -> Report:
    """Check (and with ``repair``, mend) every image of every live tenant."""
    report = Report()
    outbox = Outbox(settings.service_name)
    for tenant_id in await db.tenant_ids():  # in every database of the service
        async with db.tenant_session(tenant_id) as session:
            for image in list(await session.scalars(sa.select(Image).order_by(Image.created_at))):
                report.images += 1
                original, derived = _keys(tenant_id, image)
                missing = await _missing(storage, [original, *derived])
                if not missing:
                    report.healthy += 1
                    continue
                if not repair:
                    report.broken.append(image.id)
                    logger.warning("image files missing", extra={"image": str(image.id), "missing": missing})
                elif original in missing:
                    await session.delete(image)
                    outbox.add(session, ImageDeleted(image_id=image.id), tenant_id=tenant_id)
                    report.lost.append(image.id)
                else:
                    await _remake(storage, settings, tenant_id, image, set(missing))
                    report.remade.append(image.id)
            await session.commit()
    return report


async def run(settings: Settings, repair: bool) -> int:
    """The command: a line per finding, a summary, exit 1 when broken images were found and left."""
    db, storage = database_from_settings(settings), build_storage(settings)
    await storage.start()
    try:
        report = await check_storage(db, storage, settings, repair=repair)
    finally:
        await storage.close()
        await db.dispose()
    figures = {"images": report.images, "healthy": report.healthy, "remade": len(report.remade)}
    logger.info("storage checked", extra=figures | {"lost": len(report.lost), "broken": len(report.broken)})
    return 1 if report.broken else 0
