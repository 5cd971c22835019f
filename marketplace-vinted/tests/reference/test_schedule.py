"""The scheduled reference refresh: once a period through any seller's plugin online, one run at a time
across replicas, a failed or stalled run tried again later (and counted)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from marketplace_vinted.config import Settings
from marketplace_vinted.context import VintedContext
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.jobs.results import result_service
from marketplace_vinted.models import DispatchTenant, Job, ReferenceRefresh
from marketplace_vinted.reference.schedule import refresh_when_due
from marketplace_vinted.scope import worker_scope
from vitrine_contracts.relay.v1 import JobKind
from vitrine_contracts.vinted import VintedJobCompleted

DAY = 86_400.0


async def fresh_schedule(context: VintedContext, online: uuid.UUID | None = None) -> None:
    """No refresh row yet and, of every tenant of this database, only ``online`` with a plugin online."""
    async with context.db.session() as s, s.begin():
        await s.execute(sa.delete(ReferenceRefresh))
        await s.execute(sa.update(DispatchTenant).values(online=False))
    if online is not None:
        async with context.db.tenant_session(online) as s, s.begin():
            await job_queue.wake(worker_scope(s, online, context), online=True)


async def the_row(context: VintedContext) -> ReferenceRefresh:
    async with context.db.session() as s:
        row = await s.get(ReferenceRefresh, 1)
        assert row is not None
        return row


async def refresh_jobs(context: VintedContext, tenant: uuid.UUID) -> list[Job]:
    async with context.db.tenant_session(tenant) as s:
        found = await s.scalars(
            sa.select(Job).where(Job.kind == JobKind.FETCH_REFERENCE).order_by(Job.created_at)
        )
        return list(found)


async def answer(context: VintedContext, tenant: uuid.UUID, job: Job, **result: object) -> None:
    async with context.db.tenant_session(tenant) as s, s.begin():
        event = VintedJobCompleted(job_id=job.id, tenant_id=tenant, device_id=uuid.uuid4(), **result)  # type: ignore[arg-type]
        await result_service.complete(worker_scope(s, tenant, context), event)


def whole(what: str) -> dict[str, object]:
    entries = [{"id": 1, "title": "One"}]
    return {
        "part": {
            "offset": 0,
            "count": 1,
            "total": 1,
            "snapshot": what,
            "fetched_at": datetime.now(UTC).isoformat(),
        },
        "entries": entries,
    }


def outcomes(context: VintedContext, outcome: str) -> float:
    return context.refresh_metrics.runs.labels(outcome)._value.get()


class TestSchedule:
    async def test_no_plugin_online_waits_then_one_run_through_the_seller_online(self, standalone) -> None:
        context, tenant = await standalone(Settings(reference_refresh_s=DAY))
        await fresh_schedule(context)
        assert await refresh_when_due(context) == "no_plugin"
        assert outcomes(context, "no_plugin") == 1
        await fresh_schedule(context, online=tenant)
        assert await refresh_when_due(context) == "started"
        assert await refresh_when_due(context) == "running"  # a second look queues nothing more
        jobs = await refresh_jobs(context, tenant)
        assert sorted(j.params["what"] for j in jobs) == [
            "brands",
            "catalogs",
            "colors",
            "conditions",
            "size_groups",
        ]
        assert all(
            j.priority == 8 and j.params["part_bytes"] == context.settings.reference_part_bytes for j in jobs
        )
        row = await the_row(context)
        assert row.run_tenant_id == tenant
        assert sorted(row.pending) == ["brands:", "catalogs:", "colors:", "conditions:", "size_groups:"]

    async def test_several_replicas_looking_at_once_start_one_run(self, standalone) -> None:
        context, tenant = await standalone(Settings(reference_refresh_s=DAY))
        await fresh_schedule(context, online=tenant)
        results = await asyncio.gather(*(refresh_when_due(context) for _ in range(4)))
        assert results.count("started") == 1, results
        assert set(results) <= {"started", "busy", "running"}
        assert len(await refresh_jobs(context, tenant)) == 5

    async def test_every_list_whole_makes_the_next_refresh_due_a_period_later(self, standalone) -> None:
        context, tenant = await standalone(Settings(reference_refresh_s=DAY))
        await fresh_schedule(context, online=tenant)
        assert await refresh_when_due(context) == "started"
        jobs = await refresh_jobs(context, tenant)
        for job in jobs:
            await answer(context, tenant, job, outcome="succeeded", data=whole(job.params["what"]))
            await answer(context, tenant, job, outcome="succeeded", data=whole(job.params["what"]))  # again
        row = await the_row(context)
        assert row.run_id is None
        assert row.last_succeeded_at is not None
        assert row.due_at > datetime.now(UTC) + timedelta(seconds=DAY - 60)
        assert outcomes(context, "succeeded") == 1
        assert await refresh_when_due(context) == "not_due"

    async def test_a_failed_list_fails_the_run_and_it_is_tried_again_through_another_seller(
        self, standalone
    ) -> None:
        context, tenant = await standalone(Settings(reference_refresh_s=DAY, reference_retry_s=0))
        await fresh_schedule(context, online=tenant)
        assert await refresh_when_due(context) == "started"
        brands = next(j for j in await refresh_jobs(context, tenant) if j.params["what"] == "brands")
        await answer(
            context,
            tenant,
            brands,
            outcome="failed",
            error={"code": "not_found", "message": "gone", "http_status": 404},
        )
        row = await the_row(context)
        assert (row.run_id, row.failures, row.last_failed_tenant_id) == (None, 1, tenant)
        assert row.last_error is not None
        assert "brands" in row.last_error
        assert outcomes(context, "failed") == 1
        other = uuid.uuid4()
        await context.tenants.ensure(other)
        async with context.db.tenant_session(other) as s, s.begin():
            await job_queue.wake(worker_scope(s, other, context), online=True)
        assert await refresh_when_due(context) == "started"
        assert (await the_row(context)).run_tenant_id == other  # not the seller whose run just failed

    async def test_a_run_not_whole_in_time_is_abandoned_and_tried_again(self, standalone) -> None:
        context, tenant = await standalone(
            Settings(reference_refresh_s=DAY, reference_run_timeout_s=0, reference_retry_s=0)
        )
        await fresh_schedule(context, online=tenant)
        assert await refresh_when_due(context) == "started"
        assert await refresh_when_due(context) == "timed_out"
        assert outcomes(context, "timed_out") == 1
        assert "brands:" in ((await the_row(context)).last_error or "")
        assert await refresh_when_due(context) == "started"

    async def test_off_when_the_period_is_zero(self, standalone) -> None:
        context, tenant = await standalone(Settings(reference_refresh_s=0))
        await fresh_schedule(context, online=tenant)
        assert await refresh_when_due(context) == "off"
        assert not await refresh_jobs(context, tenant)
