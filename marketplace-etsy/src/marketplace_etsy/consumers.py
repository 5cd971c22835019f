"""Event handlers: the publication commands addressed to Etsy."""

from __future__ import annotations

from vitrine_contracts.catalog import PublicationDelistRequested, PublicationRequested
from vitrine_kit.events.consumer import EventConsumer

from marketplace_etsy.context import EtsyContext
from marketplace_etsy.publications.service import publication_service
from marketplace_etsy.scope import Scope

# Handlers call Etsy: one message per transaction (no batching), bound only to the commands for Etsy.
consumer: EventConsumer[EtsyContext] = EventConsumer("marketplace-etsy.commands")


@consumer.on(PublicationRequested, bindings=("publication.requested.etsy",))
async def publish(scope: Scope, event: PublicationRequested) -> None:
    await publication_service.publish(scope, event)


@consumer.on(PublicationDelistRequested, bindings=("publication.delist_requested.etsy",))
async def delist(scope: Scope, event: PublicationDelistRequested) -> None:
    await publication_service.delist(scope, event)
