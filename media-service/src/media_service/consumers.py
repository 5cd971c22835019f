"""Event handlers: when a tenant is deleted, its stored files go too (the kit drops its schema)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from vitrine_contracts.identity import TenantDeleted
from vitrine_kit.events.consumer import EventConsumer, EventContext

from media_service.context import MediaContext
from media_service.keys import tenant_prefix
from media_service.models import StoragePurge

# Its own queue, beside the kit's ``media-service.tenants`` (which drops the schema).
consumer: EventConsumer[MediaContext] = EventConsumer("media-service.storage")


@consumer.on_shared(TenantDeleted)
async def on_tenant_deleted(ctx: EventContext[MediaContext], event: TenantDeleted) -> None:
    # Deleting by prefix is idempotent: a redelivery deletes nothing more.
    deleted = await ctx.context.storage.delete_prefix(tenant_prefix(event.tenant_id))
    await ctx.session.execute(
        insert(StoragePurge)
        .values(tenant_id=event.tenant_id, objects_deleted=deleted)
        .on_conflict_do_update(
            index_elements=[StoragePurge.tenant_id],
            set_={"objects_deleted": StoragePurge.objects_deleted + deleted},
        )
    )
