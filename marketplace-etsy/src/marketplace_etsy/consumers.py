"""Event handlers: the publication commands addressed to Etsy."""

from __future__ import annotations

from vitrine_contracts.catalog import PublicationDelistRequested, PublicationRequested
from vitrine_kit.events.consumer import EventConsumer

from marketplace_etsy.context import EtsyContext
from marketplace_etsy.publications.service import Outcome, publication_service
from marketplace_etsy.scope import Scope

# Handlers call Etsy: one message per transaction (no batching), bound only to the commands for Etsy.
consumer: EventConsumer[EtsyContext] = EventConsumer("marketplace-etsy.commands")


# Etsy and media-service are called in the ``prepare`` step, before the message's transaction and with no
# connection held; the handler records the outcome and emits it in that transaction.
@consumer.on_prepared(
    PublicationRequested, publication_service.prepare_publish, bindings=("publication.requested.etsy",)
)
async def publish(scope: Scope, event: PublicationRequested, outcome: Outcome) -> None:
    await publication_service.finish(scope, event.publication_id, outcome)


@consumer.on_prepared(
    PublicationDelistRequested,
    publication_service.prepare_delist,
    bindings=("publication.delist_requested.etsy",),
)
async def delist(scope: Scope, event: PublicationDelistRequested, outcome: Outcome) -> None:
    await publication_service.finish(scope, event.publication_id, outcome)
