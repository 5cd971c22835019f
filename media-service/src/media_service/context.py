"""What the handlers share: settings, storage and the image-processing pool (``runtime.extras["media"]``)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from vitrine_kit.db.deps import runtime_of

from media_service.config import Settings
from media_service.processing.pipeline import Quality
from media_service.storage import Storage

T = TypeVar("T")


@dataclass
class MediaContext:
    settings: Settings
    storage: Storage
    pool: ThreadPoolExecutor

    @property
    def quality(self) -> Quality:
        s = self.settings
        return Quality(jpeg=s.jpeg_quality, webp=s.webp_quality, original=s.original_quality)

    async def cpu(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run CPU-bound work in the processing pool, keeping the event loop free."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))


def media_context(request: Request) -> MediaContext:
    context: MediaContext = runtime_of(request).extras["media"]
    return context


Media = Annotated[MediaContext, Depends(media_context)]
