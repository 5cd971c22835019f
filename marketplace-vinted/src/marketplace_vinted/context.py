"""marketplace-vinted's context: the kit's parts and the job service, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from vitrine_kit.context import Kit, ServiceContext
from vitrine_kit.db.tenancy import TenantRegistry

from marketplace_vinted.config import Settings
from marketplace_vinted.jobs import JobService
from marketplace_vinted.photos import PhotoResolver


@dataclass(kw_only=True)
class VintedContext(ServiceContext[Settings]):
    """The job service (queue, pacing, dispatch, results) besides the kit's parts."""

    tenants: TenantRegistry
    jobs: JobService

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
            jobs=JobService(kit.settings, PhotoResolver(kit.settings)),
        )
