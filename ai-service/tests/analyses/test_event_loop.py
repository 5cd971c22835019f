"""The service answers while a photo is prepared (image work runs in the bounded pool), and no database
transaction stays open while a provider works."""

from __future__ import annotations

import asyncio
import io
import time

import sqlalchemy as sa
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


class TestNoTransactionAroundProviders:
    async def test_no_transaction_stays_open_while_the_provider_thinks(self, app, seller) -> None:
        await app.sandbox.latency(1500)
        analysis = await seller.ask(image_ids=seller.photos(2))
        open_long = sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND xact_start IS NOT NULL AND pid <> pg_backend_pid() AND now() - xact_start > interval '500 ms'"
        )
        worst = 0
        while (await seller.get(f"/analyses/{analysis['id']}")).json()["status"] != "completed":
            async with app.runtime.db.engine.connect() as conn:
                worst = max(worst, (await conn.execute(open_long)).scalar_one())
            await asyncio.sleep(0.2)
        assert worst == 0
        calls = await app.sandbox.requests()
        assert len(calls) == 3  # three slow provider calls happened meanwhile
