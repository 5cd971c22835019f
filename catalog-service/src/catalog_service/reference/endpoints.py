"""``/reference/...``: attribute values, brands and marketplace mappings."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from vitrine_contracts.common import Marketplace
from vitrine_kit.auth.deps import CurrentPrincipal
from vitrine_kit.db.deps import SharedSession
from vitrine_kit.pagination import Cursor
from vitrine_kit.roles import Capability, needs

from catalog_service.deps import Reference
from catalog_service.reference.brands import brand_service
from catalog_service.reference.schemas import (
    BrandPage,
    MappingOut,
    PendingBrandOut,
    PendingBrandPage,
    PendingBrandStatus,
    ReferenceTypes,
    ValueOut,
)
from catalog_service.reference.service import reference_service
from catalog_service.scope import RequestScope

router = APIRouter(prefix="/reference", tags=["reference"])
Lang = Literal["en", "fr", "de", "it", "es"]
PendingBrandID = Annotated[uuid.UUID, Path()]


@router.get("")
async def types(_: CurrentPrincipal, catalog: Reference) -> ReferenceTypes:
    """The reference data types (category, colour, condition, material, size, gender, fit, …, brand)."""
    return reference_service.types(catalog)


@router.get("/brands")
async def brands(
    _: CurrentPrincipal,
    session: SharedSession,
    q: Annotated[str | None, Query(max_length=100, description="Name or alias")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Cursor = None,
) -> BrandPage:
    """Search the shared brand list (tens of thousands: ours, Vinted's) by name or alias, accents and case
    aside; names starting with ``q`` first. Paged: pass ``next_cursor`` back as ``cursor``."""
    return await brand_service.search(session, q, limit, cursor)


@router.get("/brands/pending")
async def pending_brands(
    scope: RequestScope,
    status: PendingBrandStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Cursor = None,
) -> PendingBrandPage:
    """Brands typed on this account's products that the shared list does not have, oldest first."""
    return await brand_service.pending(scope, status, limit, cursor)


@router.post("/brands/pending/{pending_id}/accept", dependencies=needs(Capability.REFERENCE_REVIEW))
async def accept_brand(pending_id: PendingBrandID, scope: RequestScope) -> PendingBrandOut:
    """Add the brand to the shared list; this account's products that carry it get its code."""
    return await brand_service.accept(scope, pending_id)


@router.post("/brands/pending/{pending_id}/reject", dependencies=needs(Capability.REFERENCE_REVIEW))
async def reject_brand(pending_id: PendingBrandID, scope: RequestScope) -> PendingBrandOut:
    """Keep it out of the shared list (the products keep it as free text)."""
    return await brand_service.reject(scope, pending_id)


@router.get("/mappings/{marketplace}")
async def mappings(
    marketplace: Marketplace,
    _: CurrentPrincipal,
    catalog: Reference,
    kind: Annotated[
        str | None, Query(description="category, condition, colour, brand, package_size, when_made")
    ] = None,
    code: Annotated[str | None, Query(description="Our code")] = None,
) -> list[MappingOut]:
    """Our codes translated to the marketplace's ids."""
    return reference_service.mappings(catalog, marketplace.value, kind, code)


@router.get("/{type_}")
async def values(
    type_: str,
    _: CurrentPrincipal,
    catalog: Reference,
    lang: Lang = "en",
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> list[ValueOut]:
    """The values of one type, labelled in ``lang``; ``q`` searches the labels."""
    return reference_service.values(catalog, type_, lang, q)
