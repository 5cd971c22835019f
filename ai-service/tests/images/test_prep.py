"""Image preparation: fitted, re-encoded, and never on the event loop."""

from __future__ import annotations

import asyncio
import io
import time

import pytest
from ai_service.images.prep import ImagePreparer, UnreadableImage
from PIL import Image


def encoded(size: tuple[int, int], fmt: str = "JPEG") -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    image.save(out, fmt, **({"compress_level": 1} if fmt == "PNG" else {}))
    return out.getvalue()


@pytest.fixture(scope="module")
def large_png() -> bytes:
    """27 MP: about a second of decoding and resizing on one core."""
    return encoded((6000, 4500), "PNG")


async def loop_lag_while(work: asyncio.Future) -> float:
    """The longest the event loop was kept from running a 5 ms timer while ``work`` ran."""
    worst = 0.0
    while not work.done():
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        worst = max(worst, time.perf_counter() - before - 0.005)
    return worst


@pytest.mark.unit
class TestPrepare:
    async def test_the_longest_side_is_fitted_and_the_result_is_a_jpeg(self) -> None:
        preparer = ImagePreparer(1, 1, 100_000_000)
        prepared = await preparer.prepare(encoded((1600, 1200), "PNG"), 768)
        assert (prepared.width, prepared.height) == (768, 576)
        assert Image.open(io.BytesIO(prepared.data)).format == "JPEG"
        small = await preparer.prepare(encoded((300, 200)), 768)
        assert (small.width, small.height) == (300, 200)  # never enlarged
        preparer.close()

    async def test_the_event_loop_runs_while_a_large_photo_is_prepared(self, large_png: bytes) -> None:
        preparer = ImagePreparer(2, 2, 100_000_000)
        started = time.perf_counter()

        async def photos_for_half_a_second() -> int:
            # One photo after another, so the check means something on a fast machine too.
            while True:
                width = (await preparer.prepare(large_png, 768)).width
                if time.perf_counter() - started > 0.5:
                    return width

        work = asyncio.ensure_future(photos_for_half_a_second())
        lag = await loop_lag_while(work)
        took = time.perf_counter() - started
        assert (await work) == 768
        # On the loop itself the stall would be the whole preparation; a shared CI core adds some jitter.
        assert lag < min(0.3, took / 3), f"the event loop stalled {lag:.3f} s while a photo took {took:.2f} s"
        preparer.close()

    async def test_not_an_image(self) -> None:
        preparer = ImagePreparer(1, 1, 100_000_000)
        with pytest.raises(UnreadableImage):
            await preparer.prepare(b"not an image", 768)
        preparer.close()

    async def test_too_many_pixels(self) -> None:
        preparer = ImagePreparer(1, 1, 1_000_000)
        with pytest.raises(UnreadableImage, match="larger than"):
            await preparer.prepare(encoded((2000, 1000)), 768)
        preparer.close()

    async def test_at_most_workers_plus_queue_are_in_flight(self) -> None:
        preparer = ImagePreparer(1, 1, 100_000_000)
        photo = encoded((3000, 2000), "PNG")
        tasks = [asyncio.ensure_future(preparer.prepare(photo, 256)) for _ in range(5)]
        await asyncio.sleep(0.01)
        assert preparer._slots._value == 0  # two in the pool, three waiting on the semaphore
        await asyncio.gather(*tasks)
        assert preparer._slots._value == 2
        preparer.close()
