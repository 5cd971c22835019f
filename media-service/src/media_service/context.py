"""media-service's context: the kit's parts, the storage and the image-processing pool, built once."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, TypeVar

import httpx
from fastapi import Depends
from vitrine_kit.context import Kit, ServiceContext
from vitrine_kit.scope import context_of

from media_service.config import Settings
from media_service.processing.budget import MemoryBudget
from media_service.processing.pipeline import Quality, configure_limits
from media_service.storage import Storage, build_storage

T = TypeVar("T")


@dataclass(kw_only=True)
class MediaContext(ServiceContext[Settings]):
    """Storage and the CPU pool besides the kit's parts."""

    storage: Storage
    pool: ThreadPoolExecutor
    budget: MemoryBudget
    # Fetches imported listings' photos from the marketplaces' image hosts (never follows redirects).
    http: httpx.AsyncClient

    @classmethod
    async def build(cls, kit: Kit[Settings], *, storage: Storage | None = None) -> MediaContext:
        settings = kit.settings
        configure_limits(settings.max_image_pixels)
        return cls(
            **cls.parts(kit),
            storage=storage or build_storage(settings),
            pool=ThreadPoolExecutor(max_workers=settings.processing_workers, thread_name_prefix="media-cpu"),
            budget=MemoryBudget(settings.processing_memory_mib * 1024 * 1024),
            http=httpx.AsyncClient(timeout=settings.fetch_timeout_s, follow_redirects=False),
        )

    async def start(self) -> None:
        await self.storage.start()

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.storage.close()
        self.pool.shutdown(wait=False, cancel_futures=True)

    @property
    def quality(self) -> Quality:
        s = self.settings
        return Quality(jpeg=s.jpeg_quality, webp=s.webp_quality, original=s.original_quality)

    async def cpu(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run CPU-bound work in the processing pool, keeping the event loop free."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))


Media = Annotated[MediaContext, Depends(context_of)]
