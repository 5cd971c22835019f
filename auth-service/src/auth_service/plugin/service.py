"""Pairing the browser plugin: short codes for the seller, revocable plugin tokens for the device."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.identity import PluginPaired, PluginRevoked
from vitrine_kit.auth.jwt import plugin_audience_for
from vitrine_kit.auth.principal import Principal, TokenKind
from vitrine_kit.db.base import utcnow
from vitrine_kit.pagination import Keyset
from vitrine_kit.roles import Capability, allows

from auth_service.context import AuthContext
from auth_service.errors import DeviceNotFound, InvalidPairingCode
from auth_service.models import PairingCode, PluginDevice
from auth_service.plugin.schemas import (
    DeviceOut,
    DevicePage,
    DeviceStatusOut,
    PairingCodeOut,
    PluginTokenOut,
)
from auth_service.revocations.service import revocation_service
from auth_service.security.secrets import digest, new_code, normalise_code
from auth_service.security.throttle import ip_key
from auth_service.tenants import audit
from auth_service.tenants.acting import acting_member

# The latest paired first, the id breaking ties (ix_plugin_devices_tenant_id finds the tenant's rows).
PAIRED = Keyset((PluginDevice.created_at, PluginDevice.id), TypeAdapter(tuple[datetime, uuid.UUID]))


class PluginService:
    async def create_code(
        self, session: AsyncSession, auth: AuthContext, principal: Principal
    ) -> PairingCodeOut:
        """A single-use 8-character code, valid 10 minutes, stored hashed."""
        await acting_member(session, principal, Capability.PLUGIN_PAIR)
        code = new_code()
        row = PairingCode(
            code_hash=digest(code),
            tenant_id=principal.tenant,
            user_id=principal.user_id,
            expires_at=utcnow() + timedelta(seconds=auth.settings.pairing_code_ttl_s),
        )
        session.add(row)
        await session.flush()
        return PairingCodeOut(code=code, expires_at=row.expires_at)

    async def pair(
        self, session: AsyncSession, auth: AuthContext, *, code: str, device_name: str, client_ip: str
    ) -> PluginTokenOut:
        """Trade a code for a plugin token; wrong codes are throttled per IP like failed logins."""
        keys = [ip_key(client_ip, "pair")]
        await auth.throttler.check(keys)
        now = utcnow()
        row = (
            await session.execute(
                sa.select(PairingCode)
                .where(PairingCode.code_hash == digest(normalise_code(code)))
                .with_for_update()
            )
        ).scalar_one_or_none()
        if row is None or row.used_at is not None or row.expires_at <= now:
            await auth.throttler.fail(keys)
            raise InvalidPairingCode()
        row.used_at = now
        ttl = auth.settings.plugin_token_ttl_s
        device = PluginDevice(
            id=uuid.uuid4(),
            tenant_id=row.tenant_id,
            paired_by=row.user_id,
            name=device_name,
            expires_at=now + timedelta(seconds=ttl),
        )
        session.add(device)
        await session.flush()
        # Its own audience: only verifiers that accept plugins (the relay) take this token.
        claims = {
            "sub": str(device.id),
            "tid": str(row.tenant_id),
            "roles": [],
            "scope": "plugin",
            "aud": plugin_audience_for(auth.settings.jwt_audience),
        }
        token, _ = await auth.keys.sign(claims, ttl)
        await audit.record(
            session,
            auth.tenants,
            row.tenant_id,
            "plugin.paired",
            actor_id=row.user_id,
            subject=str(device.id),
            details={"name": device_name},
        )
        auth.outbox.add(
            session,
            PluginPaired(tenant_id=row.tenant_id, device_id=device.id, name=device_name),
            tenant_id=row.tenant_id,
        )
        return PluginTokenOut(
            access_token=token, expires_in=ttl, device_id=device.id, tenant_id=row.tenant_id
        )

    async def devices(
        self, session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
    ) -> DevicePage:
        query = sa.select(PluginDevice).where(PluginDevice.tenant_id == principal.tenant)
        rows = await session.execute(PAIRED.select(query, limit=limit, cursor=cursor))
        devices, next_cursor = PAIRED.page(rows.scalars().all(), limit)
        items = [
            DeviceOut(
                id=d.id,
                name=d.name,
                created_at=d.created_at,
                expires_at=d.expires_at,
                revoked_at=d.revoked_at,
            )
            for d in devices
        ]
        return DevicePage(items=items, next_cursor=next_cursor)

    async def revoke(
        self, session: AsyncSession, auth: AuthContext, principal: Principal, device_id: uuid.UUID
    ) -> None:
        """Revoke a device of the caller's tenant (any device for owners and admins, one's own otherwise)."""
        member = await acting_member(session, principal, Capability.PLUGIN_PAIR)
        device = (
            await session.execute(
                sa.select(PluginDevice)
                .where(PluginDevice.id == device_id, PluginDevice.tenant_id == principal.tenant)
                .with_for_update()
            )
        ).scalar_one_or_none()
        if device is None:
            raise DeviceNotFound()
        if device.paired_by != member.user_id and not allows([member.role], Capability.PLUGIN_MANAGE):
            raise DeviceNotFound("You can revoke only the devices you paired.")
        await self.revoke_device(session, auth, device, actor_id=principal.user_id)

    async def revoke_device(
        self, session: AsyncSession, auth: AuthContext, device: PluginDevice, *, actor_id: uuid.UUID | None
    ) -> None:
        """Revoke ``device``: every verifier refuses its token within seconds, the relay drops its socket."""
        if device.revoked_at is not None:
            return
        device.revoked_at = utcnow()
        await revocation_service.revoke(
            session, TokenKind.PLUGIN, device.id, device.tenant_id, until=device.expires_at
        )
        await audit.record(
            session,
            auth.tenants,
            device.tenant_id,
            "plugin.revoked",
            actor_id=actor_id,
            subject=str(device.id),
        )
        auth.outbox.add(
            session,
            PluginRevoked(tenant_id=device.tenant_id, device_id=device.id),
            tenant_id=device.tenant_id,
        )

    async def revoke_paired_by(
        self,
        session: AsyncSession,
        auth: AuthContext,
        tenant_id: uuid.UUID,
        user_id: uuid.UUID,
        actor_id: uuid.UUID,
    ) -> None:
        """Revoke every live device ``user_id`` paired in ``tenant_id`` (they leave, or are removed)."""
        devices = await session.execute(
            sa.select(PluginDevice)
            .where(
                PluginDevice.tenant_id == tenant_id,
                PluginDevice.paired_by == user_id,
                PluginDevice.revoked_at.is_(None),
            )
            .with_for_update()
        )
        for device in devices.scalars():
            await self.revoke_device(session, auth, device, actor_id=actor_id)

    async def is_active(self, session: AsyncSession, device_id: uuid.UUID) -> PluginDevice | None:
        """The device if it exists, is not revoked and has not expired."""
        device = await session.get(PluginDevice, device_id)
        if device is None or device.revoked_at is not None or device.expires_at <= utcnow():
            return None
        return device

    async def status(self, session: AsyncSession, device_id: uuid.UUID) -> DeviceStatusOut:
        device = await session.get(PluginDevice, device_id)
        if device is None:
            raise DeviceNotFound()
        active = await self.is_active(session, device_id) is not None
        return DeviceStatusOut(device_id=device.id, tenant_id=device.tenant_id, active=active)


plugin_service = PluginService()
