"""Event handlers: the publication commands addressed to eBay."""

from __future__ import annotations

from vitrine_contracts.catalog import PublicationDelistRequested, PublicationRequested
from vitrine_kit.events.consumer import EventConsumer, EventContext

from marketplace_ebay.context import EbayContext
from marketplace_ebay.publications.service import publication_service


def build_consumer(ebay: EbayContext) -> EventConsumer:
    """One queue, bound only to the commands routed to eBay."""
    consumer = EventConsumer("marketplace-ebay.commands")

    @consumer.on(PublicationRequested, bindings=("publication.requested.ebay",))
    async def publish(ctx: EventContext, event: PublicationRequested) -> None:
        await publication_service.publish(ctx, ebay, event)

    @consumer.on(PublicationDelistRequested, bindings=("publication.delist_requested.ebay",))
    async def delist(ctx: EventContext, event: PublicationDelistRequested) -> None:
        await publication_service.delist(ctx, ebay, event)

    return consumer
