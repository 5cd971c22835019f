"""The service answers while a photo is prepared: image work runs in the bounded pool."""

from __future__ import annotations

import asyncio
import io
import time

from PIL import Image


class TestEventLoop:
    async def test_requests_are_served_while_a_large_photo_is_prepared(self, app, seller) -> None:
        image = Image.linear_gradient("L").resize((6000, 4500)).convert("RGB")
        out = io.BytesIO()
        await asyncio.to_thread(image.save, out, "PNG", compress_level=1)
        assert (await seller.get("/analyses/limits")).status_code == 200  # the tenant's schema exists
        work = asyncio.ensure_future(app.runtime.context.images.prepare(out.getvalue(), 768))
        answered_meanwhile = 0
        slowest = 0.0
        while not work.done():
            started = time.perf_counter()
            response = await seller.get("/analyses/limits")
            slowest = max(slowest, time.perf_counter() - started)
            assert response.status_code == 200
            answered_meanwhile += not work.done()
        assert (await work).width == 768
        assert answered_meanwhile >= 3
        assert slowest < 0.5
