"""``GET /jobs``."""

from __future__ import annotations

from fastapi import APIRouter

from marketplace_vinted.deps import StatusFilter
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.jobs.schemas import JobOut
from marketplace_vinted.scope import RequestScope

router = APIRouter(tags=["jobs"])


@router.get("/jobs")
async def list_jobs(scope: RequestScope, status: StatusFilter = None) -> list[JobOut]:
    """The queue, newest first (the last 200): each job's Vinted calls with their HTTP statuses."""
    return await job_queue.latest(scope, status)
