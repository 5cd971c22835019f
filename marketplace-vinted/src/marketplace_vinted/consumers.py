"""Event handlers: catalog's commands, the relay's reports."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_contracts.catalog import PublicationDelistRequested, PublicationFailed, PublicationRequested
from vitrine_contracts.common import Marketplace
from vitrine_contracts.relay.v1 import JobKind
from vitrine_contracts.vinted import (
    PluginConnected,
    PluginDisconnected,
    RelayReplicaAlive,
    VintedJobCompleted,
    VintedSessionReported,
)
from vitrine_kit.db.base import utcnow
from vitrine_kit.events.consumer import EventConsumer, EventContext
from vitrine_kit.scope import Scope as KitScope

from marketplace_vinted.context import VintedContext
from marketplace_vinted.jobs import Emit, ListingRuleError, vinted_item
from marketplace_vinted.models import Job, Listing, PluginDevice, RelayDevice
from marketplace_vinted.replicas import replica_seen

Scope = KitScope[VintedContext]
# The service's queue and its handlers.
consumer: EventConsumer[VintedContext] = EventConsumer("marketplace-vinted.events")


def emit_via(scope: Scope) -> Emit:
    """The job service's ``emit(session, event)``, as caused by the event being handled."""
    return lambda _session, event: scope.emit(event)


@consumer.on(PublicationRequested, bindings=("publication.requested.vinted",))
async def on_publish(scope: Scope, event: PublicationRequested) -> None:
    listing = await scope.session.get(Listing, event.publication_id)
    try:
        item = vinted_item(event.snapshot)
    except ListingRuleError as exc:
        scope.emit(
            PublicationFailed(
                publication_id=event.publication_id,
                product_id=event.product_id,
                marketplace=Marketplace.VINTED,
                reason=str(exc),
                code="vinted-rules",
            )
        )
        return
    photos = [{"media_id": str(i.media_id), "url": i.url} for i in event.snapshot.images]
    ctx_data = {"publication_id": str(event.publication_id), "product_id": str(event.product_id)}
    if listing is not None and listing.vinted_item_id is not None:
        await scope.context.jobs.enqueue(
            scope.session,
            scope.tenant_id,
            JobKind.UPDATE,
            {"item_id": listing.vinted_item_id, "item": item},
            f"update:{scope.event.id}",
            context=ctx_data,
        )
        return
    if listing is None:
        scope.session.add(
            Listing(
                publication_id=event.publication_id,
                product_id=event.product_id,
                status="publishing",
                price=event.snapshot.price.amount,
                currency=event.snapshot.price.currency,
            )
        )
    await scope.context.jobs.enqueue(
        scope.session,
        scope.tenant_id,
        JobKind.PUBLISH,
        {"photos": photos, "item": item},
        f"publish:{event.publication_id}",
        context=ctx_data,
    )


@consumer.on(PublicationDelistRequested, bindings=("publication.delist_requested.vinted",))
async def on_delist(scope: Scope, event: PublicationDelistRequested) -> None:
    listing = await scope.session.get(Listing, event.publication_id)
    item_id = listing.vinted_item_id if listing else (int(event.external_id) if event.external_id else None)
    if item_id is None:
        return
    await scope.context.jobs.enqueue(
        scope.session,
        scope.tenant_id,
        JobKind.DELIST,
        {"item_id": item_id},
        f"delist:{event.publication_id}",
        context={"publication_id": str(event.publication_id), "product_id": str(event.product_id)},
        priority=0,
    )
    if not await scope.context.jobs.online_devices(scope.session):
        await scope.context.jobs.alert_waiting_delists(scope.session)


@consumer.on(PluginConnected)
async def on_connected(scope: Scope, event: PluginConnected) -> None:
    device = await scope.session.get(PluginDevice, event.device_id, with_for_update=True)
    if device is None:
        device = PluginDevice(device_id=event.device_id)
        scope.session.add(device)
    device.relay_instance, device.connection_id, device.online = (
        event.relay_instance,
        event.connection_id,
        True,
    )
    device.max_in_flight, device.capabilities, device.seen_at = (
        event.max_in_flight,
        event.capabilities,
        utcnow(),
    )
    # Which replica holds it, across tenants: the tenants to visit if that replica dies silently.
    await scope.session.execute(
        insert(RelayDevice)
        .values(
            device_id=event.device_id,
            tenant_id=event.tenant_id,
            relay_instance=event.relay_instance,
            connection_id=event.connection_id,
        )
        .on_conflict_do_update(
            index_elements=["device_id"],
            set_={"relay_instance": event.relay_instance, "connection_id": event.connection_id},
        )
    )
    await replica_seen(scope.session, event.relay_instance)
    # Whatever this device had in flight went with its old socket: deliver it again (same job ids).
    await scope.session.execute(
        sa.update(Job)
        .where(Job.device_id == event.device_id, Job.status == "dispatched")
        .values(status="queued")
    )
    if event.vinted is not None:
        await scope.context.jobs.session_reported(
            scope.session, event.tenant_id, event.vinted, emit_via(scope)
        )
    await scope.context.jobs.wake(scope.session, event.tenant_id, online=True)


@consumer.on(PluginDisconnected)
async def on_disconnected(scope: Scope, event: PluginDisconnected) -> None:
    device = await scope.session.get(PluginDevice, event.device_id, with_for_update=True)
    if device is None or device.connection_id != event.connection_id:
        return  # a newer connection of this device already reported in
    await scope.session.execute(
        sa.delete(RelayDevice).where(
            RelayDevice.device_id == event.device_id, RelayDevice.connection_id == event.connection_id
        )
    )
    await scope.context.jobs.devices_offline(
        scope.session,
        event.tenant_id,
        PluginDevice.device_id == event.device_id,
        PluginDevice.connection_id == event.connection_id,
    )


@consumer.on_shared(RelayReplicaAlive)
async def on_replica_alive(ctx: EventContext[VintedContext], event: RelayReplicaAlive) -> None:
    await replica_seen(ctx.session, event.relay_instance)


@consumer.on(VintedSessionReported)
async def on_session(scope: Scope, event: VintedSessionReported) -> None:
    await scope.context.jobs.session_reported(scope.session, event.tenant_id, event.session, emit_via(scope))


@consumer.on(VintedJobCompleted)
async def on_completed(scope: Scope, event: VintedJobCompleted) -> None:
    await scope.context.jobs.complete(scope.session, event.tenant_id, event, emit_via(scope))


_ = uuid
