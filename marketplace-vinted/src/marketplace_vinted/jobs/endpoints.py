"""``GET /jobs``."""

from __future__ import annotations

from fastapi import APIRouter
from vitrine_kit.pagination import Cursor, Limit

from marketplace_vinted.deps import StatusFilter
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.jobs.schemas import JobPage
from marketplace_vinted.scope import RequestScope

router = APIRouter(tags=["jobs"])


@router.get("/jobs")
async def list_jobs(
    scope: RequestScope, status: StatusFilter = None, limit: Limit = 25, cursor: Cursor = None
) -> JobPage:
    """The queue, newest first: each job's Vinted calls with their HTTP statuses."""
    return await job_queue.latest(scope, status, limit=limit, cursor=cursor)
