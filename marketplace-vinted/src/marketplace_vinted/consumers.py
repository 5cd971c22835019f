"""Event handlers: catalog's commands, the relay's reports. Each hands the event to its domain's service."""

from __future__ import annotations

from vitrine_contracts.catalog import PublicationDelistRequested, PublicationRequested
from vitrine_contracts.vinted import (
    PluginConnected,
    PluginDisconnected,
    RelayReplicaAlive,
    VintedJobCompleted,
    VintedSessionReported,
)
from vitrine_kit.events.consumer import EventConsumer, EventContext

from marketplace_vinted.accounts.service import account_service
from marketplace_vinted.context import VintedContext
from marketplace_vinted.devices import repository as devices_repo
from marketplace_vinted.devices.service import device_service
from marketplace_vinted.jobs.results import result_service
from marketplace_vinted.listings.service import listing_service
from marketplace_vinted.scope import Scope

# The service's queue and its handlers.
consumer: EventConsumer[VintedContext] = EventConsumer("marketplace-vinted.events")


@consumer.on(PublicationRequested, bindings=("publication.requested.vinted",))
async def on_publish(scope: Scope, event: PublicationRequested) -> None:
    await listing_service.request_publish(scope, event)


@consumer.on(PublicationDelistRequested, bindings=("publication.delist_requested.vinted",))
async def on_delist(scope: Scope, event: PublicationDelistRequested) -> None:
    await listing_service.request_delist(scope, event)


@consumer.on(PluginConnected)
async def on_connected(scope: Scope, event: PluginConnected) -> None:
    await device_service.connected(scope, event)


@consumer.on(PluginDisconnected)
async def on_disconnected(scope: Scope, event: PluginDisconnected) -> None:
    await device_service.disconnected(scope, event)


@consumer.on_shared(RelayReplicaAlive)
async def on_replica_alive(ctx: EventContext[VintedContext], event: RelayReplicaAlive) -> None:
    await devices_repo.replica_seen(ctx.session, event.relay_instance)


@consumer.on(VintedSessionReported)
async def on_session(scope: Scope, event: VintedSessionReported) -> None:
    await account_service.session_reported(scope, event.session)


@consumer.on(VintedJobCompleted)
async def on_completed(scope: Scope, event: VintedJobCompleted) -> None:
    await result_service.complete(scope, event)
