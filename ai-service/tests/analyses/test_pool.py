"""``POST /analyses`` holds no database connection while media-service or billing-service answers, and an
asker that dies between recording an analysis and recording its credits leaves a row a worker takes over."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio
import sqlalchemy as sa
from ai_service.models import AnalysisJob
from vitrine_kit.testing.helpers import eventually

POOL = 2  # connections of the service's pool, no overflow
ASKED_AT_ONCE = 16
SLOW_S = 0.5  # media-service's resolve and billing's reservation, each


@pytest_asyncio.fixture(scope="module")
async def small_pool(start_app: Any) -> AsyncIterator[Any]:
    async with start_app(
        db_pool_size=POOL,
        db_max_overflow=0,
        db_pool_timeout_s=5.0,
        worker_concurrency=4,  # the worker's steps share the 2 connections too
    ) as app:
        yield app


@pytest_asyncio.fixture
async def seller(small_pool: Any) -> AsyncIterator[Any]:
    await small_pool.sandbox.reset()
    small_pool.edge.media_down = small_pool.edge.billing_down = small_pool.edge.bytes_down = False
    small_pool.edge.delay_s = 0.0
    seller = small_pool.seller()
    assert (await seller.get("/analyses/limits")).status_code == 200  # its schema provisioned
    yield seller
    small_pool.edge.delay_s = 0.0


async def make_due(seller: Any, analysis_id: str) -> None:
    """End the grace a queued analysis gives its asker (as if the asker had died long ago)."""
    async with seller.app.runtime.db.session() as session:
        await session.execute(
            sa.update(AnalysisJob)
            .where(AnalysisJob.analysis_id == uuid.UUID(analysis_id))
            .values(available_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()


class TestNoConnectionHeldAcrossCalls:
    async def test_many_asked_at_once_on_two_connections_all_queue_and_complete(self, seller) -> None:
        # Each request waits 1 s on the two services: holding a connection meanwhile, 16 requests on 2
        # connections would queue 8 s for them and the pool's 5 s timeout would answer 503.
        seller.app.edge.delay_s = SLOW_S
        seller.app.edge.account(seller.tenant_id).monthly = ASKED_AT_ONCE
        photo_sets = [seller.photos(2, start=i) for i in range(ASKED_AT_ONCE)]
        responses = await asyncio.gather(
            *(seller.post("/analyses", json={"image_ids": p}) for p in photo_sets)
        )
        assert [r.status_code for r in responses] == [202] * ASKED_AT_ONCE, [
            r.text for r in responses if r.status_code != 202
        ]
        seller.app.edge.delay_s = 0.0
        done = [await seller.finished(r.json()["id"], timeout=90) for r in responses]
        assert {d["status"] for d in done} == {"completed"}
        assert {r.status for r in seller.reservations()} == {"committed"}
        assert len(seller.reservations()) == ASKED_AT_ONCE


class TestAskerDies:
    async def test_a_hold_made_for_an_asker_that_died_is_taken_over_by_the_worker(
        self, seller, monkeypatch
    ) -> None:
        credits = seller.app.runtime.context.credits
        real = credits.reserve

        async def held_then_died(*args: Any, **kwargs: Any) -> Any:
            await real(*args, **kwargs)
            raise RuntimeError("the asker's process died after billing held the credits")

        monkeypatch.setattr(credits, "reserve", held_then_died)
        response = await seller.post("/analyses", json={"image_ids": seller.photos(2)})
        assert response.status_code == 500
        monkeypatch.setattr(credits, "reserve", real)
        [waiting] = (await seller.get("/analyses")).json()["items"]
        assert (waiting["status"], waiting["credits_state"]) == ("queued", "none")
        await asyncio.sleep(0.3)
        assert (await seller.get(f"/analyses/{waiting['id']}")).json()["status"] == "queued"  # in its grace
        await make_due(seller, waiting["id"])
        done = await seller.finished(waiting["id"])
        assert (done["status"], done["credits"], done["credits_state"]) == ("completed", 1, "committed")
        [reservation] = seller.reservations()  # the worker reserved with the asker's key: the same hold
        assert reservation.status == "committed"
        assert seller.credits_left == 9

    async def test_no_credits_left_when_the_worker_takes_over_is_reported(self, seller, monkeypatch) -> None:
        credits = seller.app.runtime.context.credits
        real = credits.reserve

        async def died(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("the asker's process died before billing answered")

        monkeypatch.setattr(credits, "reserve", died)
        response = await seller.post("/analyses", json={"image_ids": seller.photos(2)})
        assert response.status_code == 500
        monkeypatch.setattr(credits, "reserve", real)
        seller.app.edge.account(seller.tenant_id).monthly = 0
        [waiting] = (await seller.get("/analyses")).json()["items"]
        await make_due(seller, waiting["id"])
        done = await seller.finished(waiting["id"])
        assert done["status"] == "failed"
        assert done["error"] == {
            "code": "credits-exhausted",
            "detail": "You had no AI credits left for this analysis.",
            "retryable": False,
        }
        assert (done["credits"], done["credits_state"]) == (0, "none")
        assert seller.reservations() == []
        assert await seller.app.sandbox.requests() == []
        [event] = await seller.emitted("ai.analysis.failed")
        assert (event["analysis_id"], event["code"]) == (waiting["id"], "credits-exhausted")

        async def job_closed() -> bool:
            async with seller.app.runtime.db.session() as session:
                return await session.get(AnalysisJob, uuid.UUID(waiting["id"])) is None

        await eventually(job_closed)

    async def test_a_refusal_leaves_no_analysis_and_frees_its_key(self, seller) -> None:
        seller.app.edge.billing_down = True
        response = await seller.post("/analyses", json={"image_ids": seller.photos(2)})
        assert response.status_code == 503
        assert (await seller.get("/analyses")).json()["items"] == []
        seller.app.edge.billing_down = False
        seller.app.edge.account(seller.tenant_id).monthly = 0
        body, headers = {"image_ids": seller.photos(2)}, {"Idempotency-Key": str(uuid.uuid4())}
        refused = await seller.post("/analyses", json=body, headers=headers)
        assert refused.status_code == 402
        assert (await seller.get("/analyses")).json()["items"] == []
        async with seller.app.runtime.db.session() as session:
            jobs = sa.select(sa.func.count()).where(AnalysisJob.tenant_id == seller.tenant_id)
            assert await session.scalar(jobs) == 0
        seller.app.edge.account(seller.tenant_id).monthly = 5
        # Credits bought: the same request with the same key is queued, and charged once.
        again = await seller.post("/analyses", json=body, headers=headers)
        assert again.status_code == 202
        done = await seller.finished(again.json()["id"])
        assert done["credits_state"] == "committed"
        assert seller.credits_left == 4
