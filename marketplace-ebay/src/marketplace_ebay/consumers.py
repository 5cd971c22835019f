"""Event handlers: the publication commands addressed to eBay."""

from __future__ import annotations

from vitrine_contracts.catalog import PublicationDelistRequested, PublicationRequested
from vitrine_kit.events.consumer import EventConsumer

from marketplace_ebay.context import EbayContext
from marketplace_ebay.publications.service import publication_service
from marketplace_ebay.scope import Scope

# One queue, bound only to the commands routed to eBay.
consumer: EventConsumer[EbayContext] = EventConsumer("marketplace-ebay.commands")


@consumer.on(PublicationRequested, bindings=("publication.requested.ebay",))
async def publish(scope: Scope, event: PublicationRequested) -> None:
    await publication_service.publish(scope, event)


@consumer.on(PublicationDelistRequested, bindings=("publication.delist_requested.ebay",))
async def delist(scope: Scope, event: PublicationDelistRequested) -> None:
    await publication_service.delist(scope, event)
