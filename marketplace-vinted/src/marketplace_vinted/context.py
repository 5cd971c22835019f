"""marketplace-vinted's context: the kit's parts and the photo signer, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from vitrine_kit.context import Kit, ServiceContext
from vitrine_kit.db.tenancy import TenantRegistry

from marketplace_vinted.config import Settings
from marketplace_vinted.jobs.photos import PhotoResolver


@dataclass(kw_only=True)
class VintedContext(ServiceContext[Settings]):
    """What marketplace-vinted's services act with besides a session."""

    tenants: TenantRegistry  # the dispatcher and the replica reaper visit tenants outside any request
    photos: PhotoResolver

    @classmethod
    async def build(cls, kit: Kit[Settings]) -> VintedContext:
        if kit.tenants is None:
            raise RuntimeError("marketplace-vinted has tenant tables: its service_dir must be given")
        return cls(
            settings=kit.settings,
            db=kit.db,
            outbox=kit.outbox,
            metrics=kit.metrics,
            tenants=kit.tenants,
            photos=PhotoResolver(kit.settings),
        )

    async def aclose(self) -> None:
        await self.photos.aclose()
