"""``POST /reference/refresh`` and ``POST /reference/{what}``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from marketplace_vinted.deps import CatalogID, Keyword, ReferenceWhat
from marketplace_vinted.jobs.schemas import JobOut
from marketplace_vinted.reference.service import MAX_REFRESH_CATALOGS, reference_service
from marketplace_vinted.scope import RequestScope

router = APIRouter(tags=["reference"])


class RefreshIn(BaseModel):
    catalog_ids: list[int] = Field(
        default_factory=list,
        max_length=MAX_REFRESH_CATALOGS,
        description="Vinted catalogs whose conditions and package sizes to fetch as well",
    )


@router.post("/reference/refresh", status_code=202)
async def refresh(scope: RequestScope, body: RefreshIn | None = None) -> list[JobOut]:
    """Fetch every kind of Vinted reference data through the seller's plugin (the catalog tree, brands,
    colours, size groups, conditions; package sizes per catalog in ``catalog_ids``). Each answer reaches
    catalog as ``marketplace.vinted.reference.fetched``, which it keeps as its Vinted mappings. 409 naming the
    job while a fetch of one of these lists is unfinished; 429 with ``Retry-After`` when one was asked within
    the cooldown (``REFERENCE_MANUAL_COOLDOWN_S``)."""
    return await reference_service.refresh(scope, body.catalog_ids if body else [])


@router.post("/reference/{what}", status_code=202)
async def reference(
    what: ReferenceWhat, scope: RequestScope, catalog_id: CatalogID = None, keyword: Keyword = None
) -> JobOut:
    """Fetch Vinted reference data through the plugin: catalogs, brands, colors, conditions, size_groups,
    package_sizes (anything else is 422). The answer is the job's ``result`` (``GET /jobs``) and reaches
    catalog as ``marketplace.vinted.reference.fetched``. 409 naming the job while this seller's fetch of the
    list (``what`` and ``catalog_id``) is unfinished; without ``keyword``, 429 with ``Retry-After`` within the
    cooldown of the last ask (``REFERENCE_MANUAL_COOLDOWN_S``)."""
    return await reference_service.request(scope, what, catalog_id, keyword)
