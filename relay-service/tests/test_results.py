"""A plugin resends a result until it is acked, and a broken or hostile one may send anything in a loop:
each result is published once, and each socket is held to a rate."""

from __future__ import annotations

import asyncio
import uuid

from vitrine_contracts.relay.v1 import JobKind, RelayError
from vitrine_contracts.vinted import VintedJobDispatch
from vitrine_kit.testing.helpers import eventually


def delist(relay, tenant_id, device_id) -> VintedJobDispatch:
    return VintedJobDispatch(
        job_id=uuid.uuid4(),
        tenant_id=tenant_id,
        device_id=device_id,
        relay_instance=relay.settings.instance_id,
        kind=JobKind.DELIST,
        attempt=1,
        params={"item_id": 5},
    )


class TestOncePerResult:
    async def test_a_result_sent_again_and_again_is_published_once(
        self, start_relay, raw_plugin, bus, tenant_id
    ) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        plugin = raw_plugin(relay, tenant_id, device)
        assert await plugin.connect()
        await plugin.hello()
        with_id, without_id = delist(relay, tenant_id, device), delist(relay, tenant_id, device)
        for job in (with_id, without_id):
            await bus.publish(job, tenant_id)
        await eventually(lambda: len(plugin.jobs) == 2, timeout=5)
        answer = {"data": {"item_id": 5, "already_gone": False}}
        result_id = str(uuid.uuid4())
        acks = [await plugin.result(with_id.job_id, result_id=result_id, **answer) for _ in range(3)]
        acks += [await plugin.result(without_id.job_id, **answer) for _ in range(3)]
        assert all(a["accepted"] for a in acks)
        await bus.wait("vinted.job.completed", lambda p: p["job_id"] == str(without_id.job_id))
        await asyncio.sleep(0.3)
        for job in (with_id, without_id):
            assert len(bus.of("vinted.job.completed", lambda p, j=job: p["job_id"] == str(j.job_id))) == 1

    async def test_copies_arriving_together_are_published_once(
        self, start_relay, raw_plugin, bus, tenant_id
    ) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        plugin = raw_plugin(relay, tenant_id, device)
        assert await plugin.connect()
        await plugin.hello()
        job = delist(relay, tenant_id, device)
        await bus.publish(job, tenant_id)
        await eventually(lambda: plugin.jobs, timeout=5)
        result_id = str(uuid.uuid4())
        acks = await asyncio.gather(*(plugin.result(job.job_id, result_id=result_id) for _ in range(5)))
        assert all(a["accepted"] for a in acks)
        await asyncio.sleep(0.3)
        assert len(bus.of("vinted.job.completed", lambda p: p["job_id"] == str(job.job_id))) == 1


class TestRateLimits:
    async def test_a_flood_of_messages_is_answered_with_an_error_the_plugin_can_read(
        self, start_relay, raw_plugin, tenant_id
    ) -> None:
        relay = await start_relay(message_rate_per_s=5, message_burst=10)
        plugin = raw_plugin(relay, tenant_id, uuid.uuid4())
        assert await plugin.connect()
        await plugin.hello()
        beat = {"sent_at": "2030-01-01T00:00:00Z"}
        acks = [await plugin.call("plugin.heartbeat", beat) for _ in range(30)]
        refused = [RelayError.model_validate(a) for a in acks if "code" in a]
        assert len(refused) >= 15
        assert {r.code for r in refused} == {"rate-limited"}
        assert all(r.retry_after_s and r.retry_after_s > 0 for r in refused)
        await asyncio.sleep(refused[-1].retry_after_s or 0)
        assert "server_time" in await plugin.call("plugin.heartbeat", beat)

    async def test_results_have_a_limit_of_their_own_and_progress_floods_get_an_event(
        self, start_relay, raw_plugin, tenant_id
    ) -> None:
        relay = await start_relay(result_rate_per_s=1, result_burst=3)
        plugin = raw_plugin(relay, tenant_id, uuid.uuid4())
        assert await plugin.connect()
        await plugin.hello()
        acks = [await plugin.result(uuid.uuid4()) for _ in range(6)]
        assert [a.get("code") for a in acks[3:]] == ["rate-limited"] * 3
        assert all("job_id" in a for a in acks)
        for _ in range(120):
            await plugin.sio.emit(
                "job.progress", {"job_id": str(uuid.uuid4()), "step": "x"}, namespace="/plugin/v1"
            )
        await eventually(lambda: plugin.errors, timeout=3)
        assert plugin.errors[0]["code"] == "rate-limited"
