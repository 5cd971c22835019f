"""A device revoked at auth-service must lose the relay at once: its open sockets (hello said or not), its
next hello, its next connect and its results. The relay learns revocations from ``plugin.revoked`` and, at
hello, from auth-service again."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from relay_service.auth import PluginAuthenticator
from vitrine_contracts.identity import PluginRevoked
from vitrine_contracts.relay.v1 import JobKind
from vitrine_contracts.vinted import VintedJobDispatch
from vitrine_kit.testing.helpers import eventually

FAKE_SALE = {
    "orders": [
        {"transaction_id": 9, "item_id": 1, "price": "500.00", "currency": "EUR", "buyer": "nobody"},
    ]
}


def sync_sales(relay: Any, tenant_id: uuid.UUID, device_id: uuid.UUID) -> VintedJobDispatch:
    return VintedJobDispatch(
        job_id=uuid.uuid4(),
        tenant_id=tenant_id,
        device_id=device_id,
        relay_instance=relay.settings.instance_id,
        kind=JobKind.SYNC_SALES,
        attempt=1,
        params={},
    )


class _Tokens:
    async def headers(self) -> dict[str, str]:
        return {"Authorization": "Bearer service"}


class TestRevokedDevices:
    async def test_a_socket_revoked_before_its_hello_is_closed_within_seconds(
        self, start_relay, raw_plugin, bus, tenant_id
    ) -> None:
        relay = await start_relay(revocation_sweep_s=0.5)
        device = uuid.uuid4()
        silent = raw_plugin(relay, tenant_id, device)
        assert await silent.connect()
        await bus.publish(PluginRevoked(tenant_id=tenant_id, device_id=device), tenant_id)
        await eventually(lambda: not silent.sio.connected, timeout=3)
        assert not bus.of("plugin.connected", lambda p: p["device_id"] == str(device))

    async def test_a_revoked_device_cannot_come_back_and_its_results_are_not_published(
        self, start_relay, raw_plugin, bus, tenant_id
    ) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        plugin = raw_plugin(relay, tenant_id, device)
        assert await plugin.connect()
        assert "connection_id" in await plugin.hello()
        job = sync_sales(relay, tenant_id, device)
        await bus.publish(job, tenant_id)
        await eventually(lambda: plugin.jobs, timeout=5)
        await bus.publish(PluginRevoked(tenant_id=tenant_id, device_id=device), tenant_id)
        await eventually(lambda: not plugin.sio.connected, timeout=3)

        # The same token (still within its 30 days) tries again, with the job it held and a fake sale.
        again = raw_plugin(relay, tenant_id, device)
        assert not await again.connect()
        assert again.refusal is not None
        assert again.refusal["code"] == "revoked"
        await asyncio.sleep(0.3)
        assert not bus.of("vinted.job.completed", lambda p: p["job_id"] == str(job.job_id))

    async def test_a_result_from_a_socket_of_a_revoked_device_is_refused(
        self, start_relay, raw_plugin, bus, tenant_id
    ) -> None:
        relay = await start_relay(revocation_sweep_s=60)
        device = uuid.uuid4()
        plugin = raw_plugin(relay, tenant_id, device)
        assert await plugin.connect()
        await plugin.hello()
        job = sync_sales(relay, tenant_id, device)
        await bus.publish(job, tenant_id)
        await eventually(lambda: plugin.jobs, timeout=5)
        # The revocation is known while this socket is still open (before its close took effect).
        relay.app.relay.revoked.add(device)
        ack = await plugin.result(job.job_id, data=FAKE_SALE)
        assert ack["code"] == "revoked"
        assert ack["job_id"] == str(job.job_id)
        await eventually(lambda: not plugin.sio.connected, timeout=3)
        assert not bus.of("vinted.job.completed", lambda p: p["job_id"] == str(job.job_id))

    async def test_hello_asks_auth_service_again(self, start_relay, raw_plugin, test_keys, tenant_id) -> None:
        active = {"value": True}

        def introspect(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"active": active["value"]})

        auth = PluginAuthenticator(
            test_keys.verifier(),
            introspect_url="http://auth.test/introspect",
            tokens=_Tokens(),  # type: ignore[arg-type]
            http=httpx.AsyncClient(transport=httpx.MockTransport(introspect)),
            cache_s=0.1,
        )
        relay = await start_relay(authenticator=auth)
        device = uuid.uuid4()
        plugin = raw_plugin(relay, tenant_id, device)
        assert await plugin.connect()
        active["value"] = False  # revoked at auth-service; this replica never heard plugin.revoked
        await asyncio.sleep(0.2)
        answer = await plugin.hello()
        assert answer["code"] == "revoked"
        await eventually(lambda: not plugin.sio.connected, timeout=3)
