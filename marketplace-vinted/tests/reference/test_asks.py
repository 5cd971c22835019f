"""A seller's own reference asks are bounded (one fetch of a list at a time, a list at most once a cooldown),
the scheduled refresh is not, and a plugin's implausible list is refused before another part is asked for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from marketplace_vinted.config import Settings
from marketplace_vinted.context import VintedContext
from marketplace_vinted.errors import ReferenceCooldown, ReferenceFetchUnderWay
from marketplace_vinted.reference.schedule import refresh_when_due
from marketplace_vinted.reference.service import reference_service
from marketplace_vinted.scope import worker_scope
from sandbox_vinted import reference as vinted
from vitrine_contracts.relay.v1 import ReferenceKind

from .test_parts import part
from .test_schedule import DAY, answer, fresh_schedule, refresh_jobs, the_row, whole


async def _asked(context: VintedContext, tenant: uuid.UUID, catalog_ids: list[int] | None = None) -> None:
    """The seller's ``POST /reference/refresh``, as the endpoint calls it."""
    async with context.db.tenant_session(tenant) as s, s.begin():
        await reference_service.refresh(worker_scope(s, tenant, context), catalog_ids or [])


async def _answer_all(context: VintedContext, tenant: uuid.UUID) -> None:
    for job in await refresh_jobs(context, tenant):
        if job.status.value in ("queued", "dispatched"):
            await answer(context, tenant, job, outcome="succeeded", data=whole(job.params["what"]))


def _brands_part(offset: int, count: int, total: int) -> dict[str, Any]:
    return {
        "part": {
            "offset": offset,
            "count": count,
            "total": total,
            "snapshot": "s",
            "fetched_at": datetime.now(UTC).isoformat(),
        },
        "entries": [{"id": 1_000 + offset + i, "title": f"B{offset + i}"} for i in range(count)],
    }


class TestManualAsks:
    async def test_a_list_asked_again_while_its_fetch_is_unfinished_is_409_naming_the_job(
        self, seller
    ) -> None:
        first = await seller.post("/reference/brands")
        assert first.status_code == 202, first.text
        again = await seller.post("/reference/brands")
        assert again.status_code == 409, again.text
        problem = again.json()
        assert problem["job_id"] == first.json()["id"]
        assert problem["list"] == "brands:"
        assert first.json()["id"] in problem["detail"]
        assert (await seller.post("/reference/brands", params={"keyword": "levi"})).status_code == 409
        assert (await seller.post("/reference/refresh")).status_code == 409
        assert (await seller.post("/reference/colors")).status_code == 202  # another list is free
        other = seller.app.seller()  # another seller's fetch is its own
        assert (await other.post("/reference/brands")).status_code == 202
        assert len([j for j in await seller.every("/jobs") if j["kind"] == "fetch_reference"]) == 2

    async def test_a_list_fetched_whole_is_429_with_retry_after_until_its_cooldown_ends(self, seller) -> None:
        await seller.online()
        assert (await seller.post("/reference/colors")).status_code == 202
        job = await seller.next_job("fetch_reference")
        await seller.answer(job, part(0, vinted.COLORS, len(vinted.COLORS)))

        async def finished() -> bool:
            return (await seller.job(job["job_id"]))["status"] == "succeeded"

        await seller.eventually(finished)
        again = await seller.post("/reference/colors")
        assert again.status_code == 429, again.text
        assert 3_590 <= int(again.headers["Retry-After"]) <= 3_600
        [cooling] = again.json()["lists"]
        assert cooling["list"] == "colors:"
        retry_at = datetime.fromisoformat(cooling["retry_at"])
        assert 3_590 <= (retry_at - datetime.now(UTC)).total_seconds() <= 3_600
        assert "colors from" in again.json()["detail"]
        refresh = await seller.post("/reference/refresh")
        assert refresh.status_code == 429, refresh.text
        assert [c["list"] for c in refresh.json()["lists"]] == ["colors:"]
        assert (await seller.post("/reference/brands", params={"keyword": "levi"})).status_code == 202
        assert len([j for j in await seller.every("/jobs") if j["kind"] == "fetch_reference"]) == 2

    async def test_no_cooldown_when_it_is_zero(self, standalone) -> None:
        context, tenant = await standalone(Settings(reference_manual_cooldown_s=0))
        await _asked(context, tenant)
        await _answer_all(context, tenant)
        await _asked(context, tenant)
        assert len(await refresh_jobs(context, tenant)) == 10


class TestScheduleUnbound:
    async def test_the_scheduled_refresh_is_not_bound_by_a_sellers_cooldown(self, standalone) -> None:
        context, tenant = await standalone(Settings(reference_refresh_s=DAY))
        await _asked(context, tenant)
        await _answer_all(context, tenant)
        with pytest.raises(ReferenceCooldown):
            await _asked(context, tenant)
        await fresh_schedule(context, online=tenant)
        assert await refresh_when_due(context) == "started"
        assert len(await refresh_jobs(context, tenant)) == 10
        with pytest.raises(ReferenceFetchUnderWay):  # the scheduled fetches are under way at this seller
            await _asked(context, tenant)


class TestBounds:
    async def test_a_list_longer_than_any_of_its_kind_is_refused_and_fails_the_run(self, standalone) -> None:
        context, tenant = await standalone(Settings(reference_refresh_s=DAY))
        await fresh_schedule(context, online=tenant)
        assert await refresh_when_due(context) == "started"
        brands = next(j for j in await refresh_jobs(context, tenant) if j.params["what"] == "brands")
        await answer(context, tenant, brands, outcome="succeeded", data=_brands_part(0, 3, 600_000))
        jobs = await refresh_jobs(context, tenant)
        failed = next(j for j in jobs if j.id == brands.id)
        assert (failed.status.value, failed.error["code"]) == ("failed", "reference_list_too_long")
        assert "600000" in failed.error["message"]
        assert len(jobs) == 5, "no further part asked for"
        assert not [e for e in context.outbox.sent if getattr(e, "what", None) == ReferenceKind.BRANDS]
        row = await the_row(context)
        assert row.run_id is None
        assert "reference_list_too_long" in (row.last_error or "")

    async def test_a_list_needing_more_parts_than_the_bound_is_refused_before_the_next(
        self, standalone
    ) -> None:
        context, tenant = await standalone(Settings(reference_max_parts=2))
        async with context.db.tenant_session(tenant) as s, s.begin():
            await reference_service.request(
                worker_scope(s, tenant, context), ReferenceKind.BRANDS, None, None
            )
        [first] = await refresh_jobs(context, tenant)
        await answer(context, tenant, first, outcome="succeeded", data=_brands_part(0, 1, 3))
        [_, second] = await refresh_jobs(context, tenant)
        assert second.params["offset"] == 1
        await answer(context, tenant, second, outcome="succeeded", data=_brands_part(1, 1, 3))
        jobs = await refresh_jobs(context, tenant)
        assert len(jobs) == 2, "no third part asked for"
        refused = next(j for j in jobs if j.id == second.id)
        assert (refused.status.value, refused.error["code"]) == ("failed", "reference_too_many_parts")
        assert len([e for e in context.outbox.sent if getattr(e, "what", None) == ReferenceKind.BRANDS]) == 1
