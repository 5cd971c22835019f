"""Where each kind's result goes: the listings, the syncs, the imports, catalog (a reference fetch's answer,
normalised, as ``marketplace.vinted.reference.fetched``)."""

from __future__ import annotations

from vitrine_contracts.relay.v1 import (
    DelistData,
    FetchItemData,
    JobData,
    JobKind,
    PublishData,
    ReferenceData,
    SalesData,
    UpdateData,
    WardrobeData,
)

from marketplace_vinted.imports.service import import_service
from marketplace_vinted.listings.service import listing_service
from marketplace_vinted.models import Job
from marketplace_vinted.reference.service import reference_service
from marketplace_vinted.scope import Scope
from marketplace_vinted.sync.service import sync_service


async def succeeded(scope: Scope, job: Job, data: JobData) -> None:
    """Apply a job's data, parsed with its kind's contract model."""
    if isinstance(data, PublishData):
        await listing_service.published(scope, job, data)
    elif isinstance(data, UpdateData):
        await listing_service.revised(scope, job, data)
    elif isinstance(data, DelistData):
        await listing_service.delisted(scope, job, data)
    elif isinstance(data, SalesData):
        await sync_service.sales(scope, data)
    elif isinstance(data, WardrobeData):
        await sync_service.wardrobe(scope, data)
    elif isinstance(data, ReferenceData):
        await reference_service.fetched(scope, job, data)
    elif isinstance(data, FetchItemData):
        if job.meta.link_listing_id is not None:
            await listing_service.linked(scope, job, data)
        elif job.meta.imported:
            await import_service.imported(scope, data)


async def failed(scope: Scope, job: Job, reason: str, code: str) -> None:
    """A job that will not be tried again: tell whoever waits for it (catalog, a linked listing, the
    scheduled reference refresh)."""
    if job.kind == JobKind.FETCH_REFERENCE:
        await reference_service.failed(scope, job, code)
        return
    await listing_service.failed(scope, job, reason, code)
