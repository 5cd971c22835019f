"""Sales and wardrobe syncs: asked by the seller or every ``SYNC_INTERVAL_S``, applied when the plugin answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from vitrine_contracts.catalog import OrderReceived, PublicationDelisted
from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.relay.v1 import SalesData, SyncSalesParams, SyncWardrobeParams, WardrobeData
from vitrine_kit.db.base import utcnow

from marketplace_vinted.accounts.repository import account_id
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.jobs.schemas import JobOut
from marketplace_vinted.listings import repository as listings_repo
from marketplace_vinted.models import ListingStatus
from marketplace_vinted.scope import Scope

SELLER_PRIORITY, SCHEDULED_PRIORITY = 1, 3  # asked by the seller first; delists (0) before both


class SyncService:
    async def request(self, scope: Scope) -> list[JobOut]:
        """Sync sales and the wardrobe now (the wardrobe's known items are filled in when it goes out)."""
        key = uuid.uuid4().hex
        sales = await job_queue.enqueue(
            scope, SyncSalesParams(), f"sync_sales:{key}", priority=SELLER_PRIORITY
        )
        wardrobe = await job_queue.enqueue(
            scope, SyncWardrobeParams(), f"sync_wardrobe:{key}", priority=SELLER_PRIORITY + 1
        )
        return [JobOut.of(sales), JobOut.of(wardrobe)]

    async def schedule(self, scope: Scope, now: datetime) -> None:
        """One sales and one wardrobe sync per ``SYNC_INTERVAL_S`` (the key is the interval's number)."""
        bucket = int(now.timestamp() // scope.context.settings.sync_interval_s)
        await job_queue.add(scope, SyncSalesParams(), f"sync_sales:{bucket}", priority=SCHEDULED_PRIORITY)
        await job_queue.add(
            scope, SyncWardrobeParams(), f"sync_wardrobe:{bucket}", priority=SCHEDULED_PRIORITY
        )

    async def sales(self, scope: Scope, data: SalesData) -> None:
        """Each transaction seen for the first time becomes one ``order.received`` per item (a bundle has
        several), with the item as the order line."""
        now = utcnow()
        for order in data.orders:
            if not await listings_repo.first_sight(scope.session, order.transaction_id, order.item_id):
                continue
            for line in order.lines():
                listing = await listings_repo.by_item(scope.session, line.item_id)
                if listing is not None:
                    listing.close(ListingStatus.SOLD, now)
                scope.emit(
                    OrderReceived(
                        marketplace=Marketplace.VINTED,
                        order_id=str(order.transaction_id),
                        line_id=str(line.item_id),
                        account_id=account_id(scope.tenant_id),
                        external_listing_id=str(line.item_id),
                        publication_id=listing.publication_id if listing else None,
                        price=Money(amount=Decimal(line.price), currency=order.currency),
                        buyer=order.buyer,
                        ordered_at=order.date or now,
                    )
                )

    async def wardrobe(self, scope: Scope, data: WardrobeData) -> None:
        """Known items gone from the wardrobe: a sale is fetched by a sales sync, a deletion by the seller on
        Vinted ends the publication."""
        for item in data.missing:
            listing = await listings_repo.by_item(scope.session, item.id)
            if listing is None or listing.status is not ListingStatus.LIVE:
                continue
            if item.item_closing_action == "sold":  # the order comes through sync_sales
                await job_queue.enqueue(
                    scope, SyncSalesParams(), f"sync_sales:sold:{item.id}", priority=SELLER_PRIORITY
                )
                continue
            listing.close(ListingStatus.DELETED)
            if listing.publication_id is not None:
                scope.emit(
                    PublicationDelisted(
                        publication_id=listing.publication_id,
                        product_id=listing.product_id,
                        marketplace=Marketplace.VINTED,
                        delisted_at=utcnow(),
                        by="seller_on_marketplace",
                        reason="Deleted on Vinted by the seller",
                        external_id=str(item.id),
                    )
                )


sync_service = SyncService()
