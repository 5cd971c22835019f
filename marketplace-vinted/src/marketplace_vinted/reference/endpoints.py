"""``POST /reference/{what}``."""

from __future__ import annotations

from fastapi import APIRouter

from marketplace_vinted.deps import CatalogID, Keyword, ReferenceWhat
from marketplace_vinted.jobs.schemas import JobOut
from marketplace_vinted.reference.service import reference_service
from marketplace_vinted.scope import RequestScope

router = APIRouter(tags=["reference"])


@router.post("/reference/{what}", status_code=202)
async def reference(
    what: ReferenceWhat, scope: RequestScope, catalog_id: CatalogID = None, keyword: Keyword = None
) -> JobOut:
    """Fetch Vinted reference data through the plugin: catalogs, brands, colors, conditions, size_groups,
    package_sizes (anything else is 422). The answer is the job's ``result`` (``GET /jobs``)."""
    return await reference_service.request(scope, what, catalog_id, keyword)
