"""Queries on plugin devices and the shared replica map."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow

from marketplace_vinted.models import PluginDevice, RelayDevice, RelayReplica


async def online(session: AsyncSession, *, lock: bool = False) -> list[PluginDevice]:
    """The devices online; ``lock`` holds them until the transaction ends, so that a device taken offline
    meanwhile waits for the jobs handed to it, and then finds them to queue again."""
    query = sa.select(PluginDevice).where(PluginDevice.online).order_by(PluginDevice.device_id)
    rows = await session.execute(query.with_for_update() if lock else query)
    return list(rows.scalars())


async def get_locked(session: AsyncSession, device_id: uuid.UUID) -> PluginDevice | None:
    return await session.get(PluginDevice, device_id, with_for_update=True)


async def take_offline(session: AsyncSession, *where: sa.ColumnElement[bool]) -> list[uuid.UUID]:
    rows = await session.execute(
        sa.update(PluginDevice)
        .where(PluginDevice.online, *where)
        .values(online=False)
        .returning(PluginDevice.device_id)
    )
    return list(rows.scalars())


async def bring_online(session: AsyncSession, device: RelayDevice) -> None:
    """Back online only while still on the same replica and connection."""
    await session.execute(
        sa.update(PluginDevice)
        .where(
            PluginDevice.device_id == device.device_id,
            PluginDevice.relay_instance == device.relay_instance,
            PluginDevice.connection_id == device.connection_id,
        )
        .values(online=True)
    )


async def place(
    session: AsyncSession, device_id: uuid.UUID, tenant_id: uuid.UUID, relay_instance: str, connection_id: str
) -> None:
    """Which replica holds the device, across tenants: the tenants to visit if that replica dies silently."""
    await session.execute(
        insert(RelayDevice)
        .values(
            device_id=device_id,
            tenant_id=tenant_id,
            relay_instance=relay_instance,
            connection_id=connection_id,
        )
        .on_conflict_do_update(
            index_elements=["device_id"],
            set_={"relay_instance": relay_instance, "connection_id": connection_id},
        )
    )


async def unplace(session: AsyncSession, device_id: uuid.UUID, connection_id: str) -> None:
    await session.execute(
        sa.delete(RelayDevice).where(
            RelayDevice.device_id == device_id, RelayDevice.connection_id == connection_id
        )
    )


async def replica_seen(session: AsyncSession, relay_instance: str) -> None:
    """Record a sign of life (a heartbeat, a plugin's hello). ``dead_at`` stays: the reaper revives."""
    now = utcnow()
    await session.execute(
        insert(RelayReplica)
        .values(relay_instance=relay_instance, last_seen_at=now)
        .on_conflict_do_update(
            index_elements=["relay_instance"],
            set_={"last_seen_at": sa.func.greatest(RelayReplica.last_seen_at, now)},
        )
    )
