"""``/imports``: the seller follows each import of marketplace listings (done, failed, skipped)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from catalog_service.imports.schemas import ListingImportOut
from catalog_service.imports.service import import_service
from catalog_service.scope import RequestScope

router = APIRouter(prefix="/imports", tags=["imports"])
ImportID = Annotated[uuid.UUID, Path(description="The import id (an adapter's import answer names it)")]


@router.get("")
async def list_imports(
    scope: RequestScope, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[ListingImportOut]:
    """The newest imports of marketplace listings first, with their counts."""
    return await import_service.recent(scope, limit)


@router.get("/{import_id}")
async def get_import(import_id: ImportID, scope: RequestScope) -> ListingImportOut:
    """One import: its counts and what each listing became."""
    return await import_service.get(scope, import_id)
