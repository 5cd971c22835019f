"""A job's result continues the flow that dispatched it: the same trace, the same request id."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import aio_pika
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from vitrine_contracts import RawEnvelope, new_envelope
from vitrine_contracts.relay.v1 import JobKind
from vitrine_contracts.vinted import VintedJobCompleted, VintedJobDispatch
from vitrine_kit import tracing

DISPATCH_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure_tracing("relay-service", [exporter])
    try:
        yield exporter
    finally:
        tracing.disable_tracing()


class TestFlows:
    async def test_a_result_is_published_in_the_dispatch_s_trace_with_its_request_id(
        self, start_relay, make_plugin, bus, tenant_id, exported: InMemorySpanExporter
    ) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        await make_plugin(relay, tenant_id, device)
        channel = await bus.connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(bus.exchange, VintedJobCompleted.event_type)
        completed: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()
        await queue.consume(completed.put, no_ack=True)

        job = VintedJobDispatch(
            job_id=uuid.uuid4(),
            tenant_id=tenant_id,
            device_id=device,
            relay_instance=relay.settings.instance_id,
            kind=JobKind.DELIST,
            attempt=1,
            params={"item_id": 1},
        )
        envelope = new_envelope(job, producer="test", tenant_id=tenant_id, correlation_id="flow-0042-abcd")
        await bus.exchange.publish(
            aio_pika.Message(
                envelope.model_dump_json().encode(),
                headers={"traceparent": f"00-{DISPATCH_TRACE}-00f067aa0ba902b7-01"},
            ),
            job.routing_key(),
        )
        message = await asyncio.wait_for(completed.get(), 10)

        result = RawEnvelope.model_validate_json(message.body)
        assert result.payload["job_id"] == str(job.job_id)
        assert result.correlation_id == "flow-0042-abcd"
        traceparent = str((message.headers or {})["traceparent"])
        assert traceparent.split("-")[1] == DISPATCH_TRACE
        tracing.flush()
        names = {
            s.name for s in exported.get_finished_spans() if s.context.trace_id == int(DISPATCH_TRACE, 16)
        }
        assert {"job.deliver", "job.result"} <= names
