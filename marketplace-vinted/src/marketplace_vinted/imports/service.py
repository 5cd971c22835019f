"""Imports: the plugin fetches the item, catalog gets ``vinted.item.imported`` (photos included)."""

from __future__ import annotations

from vitrine_contracts.common import Money
from vitrine_contracts.relay.v1 import FetchItemData, FetchItemParams
from vitrine_contracts.vinted import VintedItemImported

from marketplace_vinted.jobs import repository as jobs_repo
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.jobs.schemas import JobOut
from marketplace_vinted.listings.item import vinted_price
from marketplace_vinted.models import JobContext, JobStatus
from marketplace_vinted.scope import Scope


class ImportService:
    async def request(self, scope: Scope, vinted_item_id: int) -> JobOut:
        """One import per item (asking twice gives the same job); asking again after it failed tries again."""
        key = f"import:{vinted_item_id}"
        tried = await jobs_repo.with_key_prefix(scope.session, key)
        if tried and tried[0].status is not JobStatus.FAILED:
            return JobOut.of(tried[0])
        if tried:
            key = f"{key}:{len(tried)}"
        job = await job_queue.enqueue(
            scope, FetchItemParams(item_id=vinted_item_id), key, context=JobContext(imported=True)
        )
        return JobOut.of(job)

    async def imported(self, scope: Scope, data: FetchItemData) -> None:
        item = data.item
        scope.emit(
            VintedItemImported(
                vinted_item_id=item.id,
                title=item.title,
                description=item.description,
                price=Money(amount=vinted_price(item.price), currency=item.currency),
                catalog_id=item.catalog_id,
                brand_id=item.brand_id,
                brand=item.brand,
                status_id=item.status_id,
                size_id=item.size_id,
                color_ids=item.color_ids,
                photo_urls=[p.url for p in item.photos],
                url=item.url,
            )
        )


import_service = ImportService()
