"""``/analyses``: ask for an analysis of an item's photos, then read it (or list them)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from vitrine_kit.pagination import Cursor
from vitrine_kit.roles import Capability, needs

from ai_service.analyses.schemas import AnalysisOut, AnalysisPage, AnalysisRequest, PhotoLimit
from ai_service.analyses.service import analysis_service
from ai_service.deps import AnalysisID, IdempotencyKey
from ai_service.models import AnalysisStatus
from ai_service.scope import RequestScope

router = APIRouter(prefix="/analyses", tags=["analyses"])


@router.post(
    "",
    status_code=202,
    responses={200: {"model": AnalysisOut}},
    dependencies=needs(Capability.AI_ANALYSE),
)
async def request_analysis(
    body: AnalysisRequest, scope: RequestScope, response: Response, idempotency_key: IdempotencyKey = None
) -> AnalysisOut:
    """202: queued (credits reserved), poll ``GET /analyses/{id}``. 200: answered from the cache (no
    credit), or the same request seen before. 402: no credits left."""
    analysis, new = await analysis_service.request(scope, body, idempotency_key)
    if not new or analysis.status.finished:
        response.status_code = 200
    response.headers["Location"] = f"/analyses/{analysis.id}"
    return analysis_service.render(analysis)


@router.get("")
async def list_analyses(
    scope: RequestScope,
    product_id: uuid.UUID | None = None,
    status: AnalysisStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Cursor = None,
) -> AnalysisPage:
    """The tenant's analyses, newest first."""
    return await analysis_service.page(
        scope, product_id=product_id, status=status, limit=limit, cursor=cursor
    )


@router.get("/limits")
async def photo_limit(scope: RequestScope) -> PhotoLimit:
    """How many photos one analysis reads on the tenant's plan."""
    return await analysis_service.photo_limit(scope)


@router.get("/{analysis_id}")
async def get_analysis(analysis_id: AnalysisID, scope: RequestScope) -> AnalysisOut:
    """One analysis: its status, then its result (or why it failed)."""
    return analysis_service.render(await analysis_service.get(scope, analysis_id))
