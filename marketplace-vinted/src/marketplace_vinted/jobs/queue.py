"""Adding jobs (idempotent by key) and waking the tenant's dispatch."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_contracts.relay.v1 import JOB_PARAMS, JobKind, JobParams
from vitrine_kit.db.base import utcnow

from marketplace_vinted.jobs import repository as repo
from marketplace_vinted.jobs.schemas import JobOut, JobPage
from marketplace_vinted.models import DispatchTenant, Job, JobContext, JobStatus
from marketplace_vinted.scope import Scope

KIND_OF: dict[type[JobParams], JobKind] = {model: kind for kind, model in JOB_PARAMS.items()}


class JobQueue:
    """A tenant's queue of jobs for the plugin."""

    async def enqueue(
        self,
        scope: Scope,
        params: JobParams,
        key: str,
        *,
        context: JobContext | None = None,
        priority: int = 5,
    ) -> Job:
        """Add a job unless one with ``key`` exists (a retried request never makes a second job), wake the
        tenant's dispatch, and return the job with that key. The params are the kind's contract model."""
        await self.add(scope, params, key, context=context, priority=priority)
        await self.wake(scope)
        return await repo.by_key(scope.session, key)

    async def add(
        self,
        scope: Scope,
        params: JobParams,
        key: str,
        *,
        context: JobContext | None = None,
        priority: int = 5,
    ) -> None:
        """``enqueue`` without the wake and the read back (the dispatcher's own scheduling)."""
        now = utcnow()
        await scope.session.execute(
            insert(Job)
            .values(
                id=uuid.uuid4(),
                idempotency_key=key,
                kind=KIND_OF[type(params)],
                status=JobStatus.QUEUED,
                priority=priority,
                params=params.model_dump(mode="json"),
                context=(context or JobContext()).in_current_flow().stored(),
                attempt=0,
                not_before=now,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
        )

    async def latest(
        self, scope: Scope, status: JobStatus | None, *, limit: int, cursor: str | None
    ) -> JobPage:
        """The queue, newest first, a page at a time."""
        jobs, next_cursor = await repo.latest(scope.session, status, limit=limit, cursor=cursor)
        return JobPage(items=[JobOut.of(j) for j in jobs], next_cursor=next_cursor)

    async def wake(self, scope: Scope, at: datetime | None = None, online: bool | None = None) -> None:
        """Have the dispatcher look at this tenant by ``at`` (now by default); ``online`` when it changed.
        A wake never postpones an earlier one: the dispatcher's next look is the soonest anyone asked for."""
        at = at or utcnow()
        table = DispatchTenant.__table__
        values: dict[str, Any] = {"wake_at": sa.func.least(table.c.wake_at, at)}
        if online is not None:
            values["online"] = online
        await scope.session.execute(
            insert(DispatchTenant)
            .values(tenant_id=scope.tenant_id, online=bool(online), wake_at=at)
            .on_conflict_do_update(index_elements=["tenant_id"], set_=values)
        )

    async def reschedule(
        self, scope: Scope, at: datetime, *, online: bool, claimed_until: datetime | None
    ) -> None:
        """The dispatcher's own next look, after a pass. ``claimed_until`` is the mark its claim left: a wake
        written meanwhile (a job enqueued while the pass ran, unseen by it) changed it, and is kept."""
        table = DispatchTenant.__table__
        wake_at: Any = at
        if claimed_until is not None:
            wake_at = sa.case(
                (table.c.wake_at == claimed_until, at), else_=sa.func.least(table.c.wake_at, at)
            )
        await scope.session.execute(
            insert(DispatchTenant)
            .values(tenant_id=scope.tenant_id, online=online, wake_at=at)
            .on_conflict_do_update(index_elements=["tenant_id"], set_={"wake_at": wake_at, "online": online})
        )


job_queue = JobQueue()
