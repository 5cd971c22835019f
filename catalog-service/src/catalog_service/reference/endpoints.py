"""``/reference/...``: attribute values, brands and marketplace mappings."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from vitrine_contracts.common import Marketplace
from vitrine_kit.auth.deps import CurrentPrincipal
from vitrine_kit.db.deps import SharedSession

from catalog_service.deps import Reference
from catalog_service.reference.schemas import BrandOut, MappingOut, ReferenceTypes, ValueOut
from catalog_service.reference.service import reference_service

router = APIRouter(prefix="/reference", tags=["reference"])
Lang = Literal["en", "fr", "de", "it", "es"]


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
) -> list[BrandOut]:
    """Search brands by name or alias."""
    return await reference_service.brands(session, q, limit)


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
