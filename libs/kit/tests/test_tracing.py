from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import aio_pika
import httpx
import pytest
from fixture_service.app import Ping
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from vitrine_contracts import new_envelope
from vitrine_kit import tracing
from vitrine_kit.logging import request_id_var
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import eventually

PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure_tracing("kittest", [exporter])
    try:
        yield exporter
    finally:
        tracing.disable_tracing()


def finished(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    tracing.flush()
    return list(exporter.get_finished_spans())


class _Recorder:
    """A one-request-at-a-time HTTP/1.1 server on a real socket, keeping the request heads it gets."""

    def __init__(self) -> None:
        self.heads: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.heads.append((await reader.readuntil(b"\r\n\r\n")).decode().lower())
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


async def call_recorder(path: str) -> str:
    recorder = _Recorder()
    server = await asyncio.start_server(recorder.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, httpx.AsyncClient() as client:
        assert (await client.get(f"http://127.0.0.1:{port}{path}")).status_code == 204
    return recorder.heads[0]


@pytest.mark.unit
class TestOff:
    async def test_no_span_no_headers_and_the_request_id_still_travels(self) -> None:
        tracing.configure_tracing("kittest")  # the environment of a test run names no exporter
        assert not tracing.enabled()
        with tracing.span("nothing") as current:
            assert current is None
            assert tracing.inject() == {}
        token = request_id_var.set("req-0001-abcd")
        try:
            head = await call_recorder("/off")
        finally:
            request_id_var.reset(token)
        assert "x-request-id: req-0001-abcd" in head
        assert "traceparent" not in head


@pytest.mark.unit
class TestHttpClient:
    async def test_an_outgoing_call_is_a_client_span_whose_context_it_carries(
        self, exported: InMemorySpanExporter
    ) -> None:
        with tracing.span("caller") as caller:
            assert caller is not None
            head = await call_recorder("/traced")
        spans = finished(exported)
        client = next(s for s in spans if s.kind is SpanKind.CLIENT)
        assert client.parent is not None
        assert client.parent.span_id == caller.get_span_context().span_id
        assert f"traceparent: 00-{client.context.trace_id:032x}-{client.context.span_id:016x}-" in head
        assert client.attributes is not None
        assert client.attributes["http.response.status_code"] == 204


class TestHttpServerAndEvents:
    async def test_a_request_s_span_continues_the_caller_s_trace_down_to_the_consumer(
        self, fixture_app, test_keys, exported: InMemorySpanExporter
    ) -> None:
        headers = {
            "Authorization": f"Bearer {test_keys.issue(tenant_id=uuid.uuid4())}",
            "traceparent": f"00-{PARENT_TRACE}-{PARENT_SPAN}-01",
            "x-request-id": "flow-0001-abcd",
        }
        async with running_app(fixture_app()) as (client, _runtime):
            assert (await client.post("/pings/traced", headers=headers)).status_code == 202
            consumed = await eventually(lambda: _consumer_span(exported, "kittest.ping"))
        spans = {s.context.span_id: s for s in finished(exported)}
        assert consumed.parent is not None
        producer = spans[consumed.parent.span_id]
        assert producer.kind is SpanKind.PRODUCER
        assert producer.name == "kittest.ping publish"
        server = next(s for s in spans.values() if s.kind is SpanKind.SERVER)
        assert server.parent is not None
        assert server.parent.span_id == int(PARENT_SPAN, 16)
        assert server.name == "POST /pings/{name}"
        assert {s.context.trace_id for s in (server, producer, consumed)} == {int(PARENT_TRACE, 16)}
        assert server.attributes is not None
        assert consumed.attributes is not None
        assert server.attributes["vitrine.request_id"] == "flow-0001-abcd"
        assert consumed.attributes["vitrine.request_id"] == "flow-0001-abcd"

    async def test_a_message_without_trace_context_starts_a_trace_of_its_own(
        self, fixture_app, exported: InMemorySpanExporter
    ) -> None:
        async with running_app(fixture_app()) as (_client, runtime):
            envelope = new_envelope(Ping(name="bare"), producer="elsewhere", tenant_id=uuid.uuid4())
            connection = await aio_pika.connect(runtime.settings.amqp_url.get_secret_value())
            async with connection:
                channel = await connection.channel()
                exchange = await channel.get_exchange(runtime.broker.exchange_name)
                await exchange.publish(aio_pika.Message(envelope.model_dump_json().encode()), "kittest.ping")
            consumed = await eventually(lambda: _consumer_span(exported, "kittest.ping"))
        assert consumed.parent is None


def _consumer_span(exporter: InMemorySpanExporter, event_type: str) -> ReadableSpan | None:
    return next(
        (s for s in finished(exporter) if s.kind is SpanKind.CONSUMER and s.name.endswith(event_type)), None
    )


@pytest.mark.unit
class TestJsonLines:
    def test_each_span_is_one_json_line_appended_to_the_service_s_file(self, tmp_path, monkeypatch) -> None:
        monkeypatch.setenv(tracing.TRACES_DIR_ENV, str(tmp_path))
        [exporter] = tracing._exporters_from_env("kittest")
        tracing.configure_tracing("kittest", [exporter])
        try:
            with tracing.span("outer"), tracing.span("inner"):
                pass
            tracing.flush()
        finally:
            tracing.disable_tracing()
        lines = [json.loads(line) for line in (tmp_path / "kittest.jsonl").read_text().splitlines()]
        inner, outer = lines[-2:]
        assert (inner["name"], outer["name"]) == ("inner", "outer")
        assert inner["parent_id"] == outer["context"]["span_id"]
        assert inner["resource"]["attributes"]["service.name"] == "kittest"
