"""A reference fetch is a job; its answer is the job's result."""

from __future__ import annotations

import uuid

from vitrine_contracts.relay.v1 import FetchReferenceParams, ReferenceKind

from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.jobs.schemas import JobOut
from marketplace_vinted.scope import Scope


class ReferenceService:
    async def request(
        self, scope: Scope, what: ReferenceKind, catalog_id: int | None, keyword: str | None
    ) -> JobOut:
        """Each request fetches anew (reference data changes on Vinted's side)."""
        params = FetchReferenceParams(what=what, catalog_id=catalog_id, keyword=keyword)
        job = await job_queue.enqueue(scope, params, f"ref:{what.value}:{catalog_id}:{uuid.uuid4().hex}")
        return JobOut.of(job)


reference_service = ReferenceService()
