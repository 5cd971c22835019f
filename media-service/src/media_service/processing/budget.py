"""Image work admitted by the memory it will take, so that large photos queue instead of exhausting the pod.

A decoded image costs about ``BYTES_PER_PIXEL`` per pixel while it is oriented, converted and resized
(measured: a 40 MP PNG peaks near 340 MiB). The pixel count is read from the file's header before any
decoding, and work waits until its share fits in the budget. An image larger than the whole budget (it is
within ``max_image_pixels``, or it would have been refused) runs when nothing else does.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncIterator
from typing import IO

from PIL import Image

from media_service.processing.sniff import SourceFormat

BYTES_PER_PIXEL = 9


def declared_pixels(source: IO[bytes], fmt: SourceFormat) -> int | None:
    """The pixel count the file's header declares (no decoding); None when it cannot be read (the
    processing step then refuses the file with its own reason)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source, formats=[fmt.pillow_format]) as image:
                width, height = image.size
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return width * height


class MemoryBudget:
    """A weighted semaphore in bytes, fair enough for a pool of a few workers."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self.in_use = 0
        self.waiting = 0
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def hold(self, estimate: int) -> AsyncIterator[None]:
        """Wait until ``estimate`` bytes fit beside the work already admitted, and hold them meanwhile."""
        share = max(1, min(estimate, self.budget))
        async with self._changed:
            self.waiting += 1
            try:
                await self._changed.wait_for(lambda: self.in_use + share <= self.budget)
            finally:
                self.waiting -= 1
            self.in_use += share
        try:
            yield
        finally:
            async with self._changed:
                self.in_use -= share
                self._changed.notify_all()
