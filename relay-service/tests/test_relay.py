from __future__ import annotations

import asyncio
import uuid

import pytest
import socketio
from sandbox_vinted.plugin import Switches
from vitrine_contracts.identity import PluginRevoked
from vitrine_contracts.relay.v1 import NAMESPACE, JobKind
from vitrine_contracts.vinted import VintedJobDispatch

PUBLISH = {
    "photos": [{"url": "http://vinted.test/_control/sample.jpg"}],
    "item": {
        "title": "Levi's 501 jeans",
        "description": "Worn twice",
        "price": 27.9,
        "currency": "EUR",
        "catalog_id": 1206,
        "status_id": 2,
        "brand_id": 53,
        "color_ids": [4],
        "package_size_id": 1,
    },
}


def dispatch(relay, plugin_tenant, device_id, kind=JobKind.DELIST, params=None, job_id=None, attempt=1):
    return VintedJobDispatch(
        job_id=job_id or uuid.uuid4(),
        tenant_id=plugin_tenant,
        device_id=device_id,
        relay_instance=relay.settings.instance_id,
        kind=kind,
        attempt=attempt,
        params=params if params is not None else {"item_id": 1},
    )


async def refusal(relay, auth):
    client = socketio.AsyncClient(reconnection=False)
    errors = []
    client.on("connect_error", lambda data: errors.append(data), namespace=NAMESPACE)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            relay.url, namespaces=[NAMESPACE], auth=auth, transports=["websocket"], wait_timeout=3
        )
    await client.disconnect()
    return errors[0]["data"]


class TestConnect:
    async def test_refusals_name_the_reason(self, start_relay, test_keys, tenant_id) -> None:
        relay = await start_relay()
        assert (await refusal(relay, None))["code"] == "missing-token"
        assert (await refusal(relay, {"token": "nope"}))["code"] == "invalid-token"
        user_token = test_keys.issue(tenant_id=tenant_id, scope="user")
        assert (await refusal(relay, {"token": user_token}))["code"] == "wrong-scope"
        expired = test_keys.issue(tenant_id=tenant_id, scope="plugin", ttl_s=-60)
        assert (await refusal(relay, {"token": expired}))["code"] == "expired-token"
        old = test_keys.issue(tenant_id=tenant_id, scope="plugin")
        assert (await refusal(relay, {"token": old, "protocol_version": 9}))["code"] == "protocol-unsupported"

    async def test_hello_reports_the_plugin_and_its_vinted_session(
        self, start_relay, make_plugin, bus, tenant_id
    ) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        plugin = await make_plugin(relay, tenant_id, device)
        assert plugin.welcome["max_in_flight"] == 2
        [connected] = await bus.wait("plugin.connected", lambda p: p["device_id"] == str(device))
        assert connected["relay_instance"] == relay.settings.instance_id
        [session] = await bus.wait("vinted.session.reported", lambda p: p["device_id"] == str(device))
        assert session["session"]["logged_in"] is True
        assert session["session"]["user_id"] == 1001

    async def test_a_second_socket_of_one_device_replaces_the_first(
        self, start_relay, make_plugin, bus, tenant_id
    ) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        first = await make_plugin(relay, tenant_id, device)
        await make_plugin(relay, tenant_id, device)
        await bus.wait("plugin.disconnected", lambda p: p["device_id"] == str(device))
        await asyncio.sleep(0.2)
        assert (
            not first.connected.is_set()
            or first.sio.connected is False
            or len(relay.app.relay.by_device) == 1
        )

    async def test_a_revoked_device_is_disconnected(self, start_relay, make_plugin, bus, tenant_id) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        await make_plugin(relay, tenant_id, device)
        await bus.publish(PluginRevoked(tenant_id=tenant_id, device_id=device), tenant_id)
        [gone] = await bus.wait("plugin.disconnected", lambda p: p["device_id"] == str(device))
        assert gone["reason"] == "socket-closed"


class TestJobs:
    async def test_publish_runs_photos_then_item_and_reports_each_status(
        self, start_relay, make_plugin, bus, vinted, tenant_id
    ) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        await make_plugin(relay, tenant_id, device)
        job = dispatch(relay, tenant_id, device, JobKind.PUBLISH, PUBLISH)
        await bus.publish(job, tenant_id)
        [done] = await bus.wait("vinted.job.completed", lambda p: p["job_id"] == str(job.job_id))
        assert done["outcome"] == "succeeded", (done["error"], done["calls"])
        assert [(c["method"], c["path"], c["status"]) for c in done["calls"]] == [
            ("POST", "/photos", 200),
            ("POST", "/item_upload/items", 200),
        ]
        assert done["data"]["item_id"] in vinted.state.vinted.items

    async def test_failures_carry_the_vinted_status(self, start_relay, make_plugin, bus, tenant_id) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        await make_plugin(relay, tenant_id, device)
        job = dispatch(relay, tenant_id, device, JobKind.DELIST, {"item_id": 424242})
        await bus.publish(job, tenant_id)
        [done] = await bus.wait("vinted.job.completed", lambda p: p["job_id"] == str(job.job_id))
        assert done["outcome"] == "succeeded"
        assert done["data"]["already_gone"] is True
        assert done["calls"][0]["status"] == 404

    async def test_no_ack_in_time_is_undelivered(self, start_relay, make_plugin, bus, tenant_id) -> None:
        relay = await start_relay(ack_timeout_s=0.3)
        device = uuid.uuid4()
        await make_plugin(relay, tenant_id, device, switches=Switches(ack_delay_s=1.0))
        job = dispatch(relay, tenant_id, device)
        await bus.publish(job, tenant_id)
        [done] = await bus.wait("vinted.job.completed", lambda p: p["job_id"] == str(job.job_id))
        assert done["outcome"] == "undelivered"
        assert done["reason"] == "ack-timeout"

    async def test_a_job_for_a_socket_elsewhere_is_undelivered(
        self, start_relay, make_plugin, bus, tenant_id
    ) -> None:
        here, there = await start_relay(), await start_relay()
        device = uuid.uuid4()
        await make_plugin(there, tenant_id, device)
        wrong = dispatch(here, tenant_id, device)
        right = dispatch(there, tenant_id, device)
        await bus.publish(wrong, tenant_id)
        await bus.publish(right, tenant_id)
        [w] = await bus.wait("vinted.job.completed", lambda p: p["job_id"] == str(wrong.job_id))
        [r] = await bus.wait("vinted.job.completed", lambda p: p["job_id"] == str(right.job_id))
        assert (w["outcome"], w["reason"]) == ("undelivered", "gone")
        assert r["outcome"] == "succeeded"

    async def test_in_flight_is_bounded_per_plugin(self, start_relay, make_plugin, bus, tenant_id) -> None:
        relay = await start_relay(max_in_flight=2)
        device = uuid.uuid4()
        await make_plugin(relay, tenant_id, device)
        peak = 0
        jobs = [
            dispatch(relay, tenant_id, device, JobKind.FETCH_REFERENCE, {"what": "colors"}) for _ in range(8)
        ]
        for job in jobs:
            await bus.publish(job, tenant_id)
        for _ in range(100):
            peak = max(peak, sum(len(c.in_flight) for c in relay.app.relay.by_sid.values()))
            await asyncio.sleep(0.01)
        await bus.wait("vinted.job.completed", lambda p: p["outcome"] == "succeeded", count=8)
        assert 1 <= peak <= 2

    async def test_disconnect_mid_publish_then_redelivery_makes_one_item(
        self, start_relay, make_plugin, bus, vinted, tenant_id
    ) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        plugin = await make_plugin(
            relay, tenant_id, device, switches=Switches(disconnect_mid_job={"publish"})
        )
        job = dispatch(relay, tenant_id, device, JobKind.PUBLISH, PUBLISH)
        await bus.publish(job, tenant_id)
        [gone] = await bus.wait("plugin.disconnected", lambda p: p["device_id"] == str(device))
        assert gone["in_flight"] == [str(job.job_id)]
        await bus.wait("plugin.connected", lambda p: p["device_id"] == str(device), count=2)
        # marketplace-vinted redispatches on plugin.connected: the plugin answers from its journal.
        await bus.publish(
            dispatch(relay, tenant_id, device, JobKind.PUBLISH, PUBLISH, job.job_id, 2), tenant_id
        )
        done = await bus.wait("vinted.job.completed", lambda p: p["job_id"] == str(job.job_id), count=2)
        assert {d["data"]["item_id"] for d in done} == {done[0]["data"]["item_id"]}
        assert any(d["replayed"] for d in done)
        assert len(vinted.state.vinted.items) == 1
        assert plugin.vinted_calls == 2

    async def test_a_result_for_a_job_of_another_device_is_refused(
        self, start_relay, make_plugin, bus, tenant_id
    ) -> None:
        relay = await start_relay()
        owner, other = uuid.uuid4(), uuid.uuid4()
        await make_plugin(relay, tenant_id, owner)
        intruder = await make_plugin(relay, uuid.uuid4(), other)
        job = dispatch(relay, tenant_id, owner, JobKind.FETCH_REFERENCE, {"what": "colors"})
        await bus.publish(job, tenant_id)
        await bus.wait("vinted.job.completed", lambda p: p["job_id"] == str(job.job_id))
        ack = await intruder.sio.call(
            "job.result",
            {"job_id": str(job.job_id), "outcome": "succeeded", "finished_at": "2030-01-01T00:00:00Z"},
            namespace=NAMESPACE,
        )
        assert ack["accepted"] is False

    async def test_drain_reports_every_plugin_disconnected(
        self, start_relay, make_plugin, bus, tenant_id
    ) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        await make_plugin(relay, tenant_id, device)
        await relay.stop()
        [gone] = await bus.wait("plugin.disconnected", lambda p: p["device_id"] == str(device))
        assert gone["reason"] == "relay-draining"


class TestReplicaAlive:
    async def test_the_replica_says_it_is_alive_every_few_seconds(
        self, start_relay, make_plugin, bus, tenant_id
    ) -> None:
        relay = await start_relay(replica_heartbeat_s=0.1)
        name = relay.settings.instance_id
        await make_plugin(relay, tenant_id)
        beats = await bus.wait(
            "relay.replica.alive", lambda p: p["relay_instance"] == name and p["connections"] == 1, count=2
        )
        assert beats[0]["interval_s"] == 0.1
