"""Event handlers: the publication commands addressed to eBay, and the seller's account deletion."""

from __future__ import annotations

from vitrine_contracts.catalog import PublicationDelistRequested, PublicationRequested
from vitrine_contracts.identity import TenantDeleted
from vitrine_kit.events.consumer import EventConsumer, EventContext

from marketplace_ebay.accounts.teardown import teardown
from marketplace_ebay.context import EbayContext
from marketplace_ebay.publications.service import publication_service
from marketplace_ebay.scope import Scope

# One queue, bound only to the commands routed to eBay.
consumer: EventConsumer[EbayContext] = EventConsumer("marketplace-ebay.commands")
# A deleted seller account ends its live eBay listings (beside the kit's queue that drops the schema).
tenants: EventConsumer[EbayContext] = EventConsumer("marketplace-ebay.teardown")


@consumer.on(PublicationRequested, bindings=("publication.requested.ebay",))
async def publish(scope: Scope, event: PublicationRequested) -> None:
    await publication_service.publish(scope, event)


@consumer.on(PublicationDelistRequested, bindings=("publication.delist_requested.ebay",))
async def delist(scope: Scope, event: PublicationDelistRequested) -> None:
    await publication_service.delist(scope, event)


@tenants.on_shared(TenantDeleted)
async def tenant_deleted(ctx: EventContext[EbayContext], event: TenantDeleted) -> None:
    await teardown.tenant_deleted(ctx.context, event.tenant_id)
