"""catalog-service's context: the kit's parts and the reference data cache, built once at start-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from vitrine_kit.context import Kit, ServiceContext

from catalog_service.config import Settings
from catalog_service.reference.catalog import ReferenceCache

logger = logging.getLogger(__name__)


@dataclass(kw_only=True)
class CatalogContext(ServiceContext[Settings]):
    """What catalog's services act with besides a session."""

    reference: ReferenceCache

    @classmethod
    async def build(cls, kit: Kit[Settings]) -> CatalogContext:
        return cls(**cls.parts(kit), reference=ReferenceCache(kit.db))

    async def start(self) -> None:
        try:
            await self.reference.get()
        except Exception:  # not migrated yet: /readyz says so, and the data is loaded on first use
            logger.exception("could not load reference data at start-up")
