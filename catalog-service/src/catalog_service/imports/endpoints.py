"""``/imports``: the seller follows each import of marketplace listings (done, failed, skipped)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from vitrine_kit.pagination import Cursor, Limit

from catalog_service.imports.schemas import ListingImportOut, ListingImportPage
from catalog_service.imports.service import import_service
from catalog_service.scope import RequestScope

router = APIRouter(prefix="/imports", tags=["imports"])
ImportID = Annotated[uuid.UUID, Path(description="The import id (an adapter's import answer names it)")]


@router.get("")
async def list_imports(scope: RequestScope, limit: Limit = 20, cursor: Cursor = None) -> ListingImportPage:
    """The newest imports of marketplace listings first, with their counts."""
    return await import_service.recent(scope, limit, cursor)


@router.get("/{import_id}")
async def get_import(import_id: ImportID, scope: RequestScope) -> ListingImportOut:
    """One import: its counts and what each listing became."""
    return await import_service.get(scope, import_id)
