"""marketplace-vinted's context: the kit's parts, the photo signer and the plan's slots, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field

from vitrine_kit.context import Kit, ServiceContext
from vitrine_kit.db.tenancy import TenantRegistry
from vitrine_marketplace.slots import SlotsClient

from marketplace_vinted.config import Settings
from marketplace_vinted.jobs.photos import PhotoResolver
from marketplace_vinted.reference.metrics import RefreshMetrics


@dataclass(kw_only=True)
class VintedContext(ServiceContext[Settings]):
    """What marketplace-vinted's services act with besides a session."""

    tenants: TenantRegistry  # the dispatcher and the replica reaper visit tenants outside any request
    photos: PhotoResolver
    # None when billing-service is not configured: the plan's marketplace limit is not checked.
    slots: SlotsClient | None
    refresh_metrics: RefreshMetrics = field(init=False)

    def __post_init__(self) -> None:
        self.refresh_metrics = RefreshMetrics.on(self.metrics.registry)

    @classmethod
    async def build(cls, kit: Kit[Settings]) -> VintedContext:
        if kit.tenants is None:
            raise RuntimeError("marketplace-vinted has tenant tables: its service_dir must be given")
        photos = PhotoResolver(kit.settings)
        billing = kit.settings.billing_url
        return cls(
            settings=kit.settings,
            db=kit.db,
            outbox=kit.outbox,
            metrics=kit.metrics,
            tenants=kit.tenants,
            photos=photos,
            slots=SlotsClient(billing, "vinted", photos.tokens, photos.http) if billing else None,
        )

    async def aclose(self) -> None:
        await self.photos.aclose()
