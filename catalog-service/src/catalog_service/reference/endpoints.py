"""``/reference/...``: attribute values, brands and marketplace mappings."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from vitrine_contracts.common import Marketplace
from vitrine_kit.auth.deps import CurrentPrincipal, require_service_scope
from vitrine_kit.auth.principal import Principal
from vitrine_kit.db.deps import SharedSession, runtime_of
from vitrine_kit.db.tenancy import provisioning_refused
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
from catalog_service.scope import RequestScope, Scope

router = APIRouter(prefix="/reference", tags=["reference"])
# The shared brand list is every seller's: only Vitrine's curators (a service token granted this scope, never a
# seller's role) add to it. The gateway never forwards /internal.
REVIEW_SCOPE = "catalog:brands-review"
Curator = Annotated[Principal, Depends(require_service_scope(REVIEW_SCOPE))]
internal_router = APIRouter(prefix="/internal/reference", tags=["internal"])
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


@internal_router.post("/brands/pending/{tenant_id}/{pending_id}/accept")
async def accept_brand(
    tenant_id: uuid.UUID, pending_id: PendingBrandID, request: Request, curator: Curator
) -> PendingBrandOut:
    """A curator adds an account's typed brand to the shared list; that account's products carrying it get
    its code. 404 for an unknown account or brand."""
    runtime = runtime_of(request)
    assert runtime.tenants is not None
    with provisioning_refused():
        await runtime.tenants.ensure(tenant_id)
    async with runtime.db.tenant_session(tenant_id) as session:
        scope = Scope(
            session=session, tenant_id=tenant_id, context=request.app.state.context, principal=curator
        )
        accepted = await brand_service.accept(scope, pending_id)
        await session.commit()
    return accepted


@router.post("/brands/pending/{pending_id}/reject", dependencies=needs(Capability.REFERENCE_REVIEW))
async def reject_brand(pending_id: PendingBrandID, scope: RequestScope) -> PendingBrandOut:
    """Withdraw it from review (the products keep it as free text); only a curator adds to the shared list."""
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
    retired: Annotated[
        bool, Query(description="Also the mappings whose id the marketplace no longer offers")
    ] = False,
) -> list[MappingOut]:
    """Our codes translated to the marketplace's ids (those the marketplace retired only when asked)."""
    return reference_service.mappings(catalog, marketplace.value, kind, code, retired)


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
