"""Image preparation (decode, resize, re-encode) in a bounded thread pool, never on the event loop.

Decoding a 12 MP JPEG and resizing it takes 100-400 ms of CPU; Pillow releases the GIL while it works, so
a few threads keep the event loop answering requests meanwhile. ``workers + queue`` bounds how many
preparations are in flight; more callers wait on the semaphore, not in an unbounded executor queue.
"""

from __future__ import annotations

import asyncio
import functools
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageStat, UnidentifiedImageError

JPEG_QUALITY = 85
# Resampling per role. Resizing is most of an analysis' CPU (bench/ai/prep_cpu.py): Lanczos took 17 ms to fit
# a 1024 px rendition in 768, bilinear 10 (Pillow filters over the whole downscaled footprint, so it does
# not alias). Photos are read for cut, colour and flaws: bilinear. The label keeps Lanczos: its print is
# read (OCR offline, the model otherwise), bicubic saved only 12 % there, and the eval (eval/ai) read
# fewer labels with it in one run under load.
RESAMPLE = {"label": Image.Resampling.LANCZOS}
DEFAULT_RESAMPLE = Image.Resampling.BILINEAR


class UnreadableImage(Exception):
    """The bytes are not an image Pillow can decode, or it is larger than allowed."""


@dataclass(frozen=True)
class PreparedImage:
    """A photo as sent to a model: a JPEG no larger than asked, and what it is for."""

    data: bytes
    width: int
    height: int
    image_id: uuid.UUID | None = None
    role: str = "photo"  # photo | label | thumb
    centre_rgb: tuple[int, int, int] = (0, 0, 0)
    mime_type: str = "image/jpeg"


def prepare_sync(
    data: bytes,
    max_side: int,
    max_pixels: int,
    resample: Image.Resampling = DEFAULT_RESAMPLE,
) -> tuple[bytes, int, int, tuple[int, int, int]]:
    """The JPEG of ``data`` fitted in ``max_side`` x ``max_side``, its size, and its centre's mean colour."""
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > max_pixels:
            raise UnreadableImage(f"{width}x{height} is larger than {max_pixels} pixels")
        # JPEG: decode straight at the nearest larger power-of-two scale (much less work than full size).
        image.draft("RGB", (max_side, max_side))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UnreadableImage(str(exc)) from exc
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(white, rgba).convert("RGB")
    else:
        rgb = image if image.mode == "RGB" else image.convert("RGB")  # no copy of what is RGB already
    rgb.thumbnail((max_side, max_side), resample)
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=JPEG_QUALITY)
    small = rgb.resize((32, 32), Image.Resampling.BILINEAR).crop((8, 8, 24, 24))
    mean = ImageStat.Stat(small).mean
    centre = (round(mean[0]), round(mean[1]), round(mean[2]))
    return out.getvalue(), rgb.width, rgb.height, centre


class ImagePreparer:
    """Prepares photos in ``workers`` threads; at most ``workers + queue`` in flight."""

    def __init__(self, workers: int, queue: int, max_pixels: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="image-prep")
        self._slots = asyncio.Semaphore(workers + queue)
        self.max_pixels = max_pixels

    async def prepare(
        self, data: bytes, max_side: int, *, image_id: uuid.UUID | None = None, role: str = "photo"
    ) -> PreparedImage:
        async with self._slots:
            loop = asyncio.get_running_loop()
            jpeg, width, height, centre = await loop.run_in_executor(
                self._pool,
                functools.partial(
                    prepare_sync, data, max_side, self.max_pixels, RESAMPLE.get(role, DEFAULT_RESAMPLE)
                ),
            )
        return PreparedImage(jpeg, width, height, image_id=image_id, role=role, centre_rgb=centre)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
