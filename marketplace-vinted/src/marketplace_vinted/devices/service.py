"""Devices coming and going: what a plugin held goes back to the queue, a delist with no plugin left alerts."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from vitrine_contracts.vinted import PluginConnected, PluginDisconnected
from vitrine_kit.db.base import utcnow

from marketplace_vinted.accounts.service import account_service
from marketplace_vinted.alerts.service import alert_service
from marketplace_vinted.devices import repository as repo
from marketplace_vinted.jobs import repository as jobs_repo
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.models import PluginDevice, RelayDevice
from marketplace_vinted.scope import Scope


class DeviceService:
    async def connected(self, scope: Scope, event: PluginConnected) -> None:
        """A plugin said hello: online on its replica; whatever it held before goes out again (same ids)."""
        device = await repo.get_locked(scope.session, event.device_id)
        if device is None:
            device = PluginDevice(device_id=event.device_id)
            scope.session.add(device)
        device.connected(
            event.relay_instance, event.connection_id, event.max_in_flight, event.capabilities, utcnow()
        )
        await repo.place(
            scope.session, event.device_id, scope.tenant_id, event.relay_instance, event.connection_id
        )
        # The replica's sign of life is service-wide (home database): its own transaction, not the tenant's
        # (which may be on another database). Idempotent; a redelivery or the next heartbeat writes it again.
        async with scope.context.db.session() as shared:
            await repo.replica_seen(shared, event.relay_instance)
            await shared.commit()  # commit: a sign of life, kept whatever the tenant's transaction does
        await jobs_repo.requeue_devices(scope.session, [event.device_id], utcnow())
        if event.vinted is not None:
            await account_service.session_reported(scope, event.vinted)
        await job_queue.wake(scope, online=True)

    async def disconnected(self, scope: Scope, event: PluginDisconnected) -> None:
        device = await repo.get_locked(scope.session, event.device_id)
        if device is None or device.connection_id != event.connection_id:
            return  # a newer connection of this device already reported in
        await repo.unplace(scope.session, event.device_id, event.connection_id)
        await self.offline(
            scope,
            PluginDevice.device_id == event.device_id,
            PluginDevice.connection_id == event.connection_id,
        )

    async def offline(self, scope: Scope, *where: sa.ColumnElement[bool]) -> list[uuid.UUID]:
        """Take the devices matching ``where`` offline: their dispatched jobs are queued again at once (no
        lease wait), and with no plugin left online each waiting delist raises ``delist_waiting_for_plugin``."""
        gone = await repo.take_offline(scope.session, *where)
        await jobs_repo.requeue_devices(scope.session, gone, utcnow())
        online = bool(await repo.online(scope.session))
        if not online:
            await alert_service.waiting_delists(scope)
        await job_queue.wake(scope, online=online)
        return gone

    async def back_online(self, scope: Scope, devices: list[RelayDevice]) -> None:
        """Devices of a replica heard from again, still on it."""
        for device in devices:
            await repo.bring_online(scope.session, device)
        if devices:
            await job_queue.wake(scope, online=True)


device_service = DeviceService()
