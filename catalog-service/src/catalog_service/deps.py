"""FastAPI dependencies of catalog-service, as ``Annotated`` aliases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Path
from vitrine_kit.scope import context_of

from catalog_service.config import Settings
from catalog_service.context import CatalogContext
from catalog_service.reference.catalog import ReferenceCatalog

Catalog = Annotated[CatalogContext, Depends(context_of)]


async def _reference(context: Catalog) -> ReferenceCatalog:
    return await context.reference.get()


Reference = Annotated[ReferenceCatalog, Depends(_reference)]


def _settings(context: Catalog) -> Settings:
    return context.settings


AppSettings = Annotated[Settings, Depends(_settings)]

ProductID = Annotated[uuid.UUID, Path(description="The product id")]
AlertID = Annotated[uuid.UUID, Path(description="The alert id")]
IfMatch = Annotated[str | None, Header(description='The product\'s ETag (e.g. "3"); a stale one answers 412')]
