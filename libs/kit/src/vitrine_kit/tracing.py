"""Traces: OpenTelemetry spans across HTTP, AMQP and background loops, off unless an exporter is configured.

Hand hooks rather than the instrumentation packages: a flow leaves or enters a process at four places the
kit already owns (its ASGI middleware, its outbox and consumer, outgoing httpx calls, its loops), so a few
lines there give the spans the instrumentors would, without their import-time patching of every library
and their per-request work when nobody exports. Off (the default), every hook is one boolean test and the
SDK is never imported.

Configured from the environment, the standard names first:

- ``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``: export by OTLP over HTTP;
- ``VITRINE_TRACES_DIR``: write spans as JSON lines to ``<dir>/<service>.jsonl`` (tests, local runs);
- ``OTEL_SDK_DISABLED=true`` turns both off; ``OTEL_TRACES_SAMPLER`` and ``OTEL_BSP_*`` apply as usual.

Trace context travels as W3C ``traceparent`` (and ``tracestate``): in HTTP headers, and in AMQP message
headers, put there by the outbox relay from the context ``Outbox.add`` recorded in the row.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode

from vitrine_kit.logging import request_id_var

__all__ = [
    "OUTBOX_TRACE_KEY",
    "Span",
    "SpanKind",
    "answered",
    "configure_tracing",
    "consumer_span",
    "disable_tracing",
    "enabled",
    "extract",
    "fail",
    "finish_server_span",
    "flush",
    "inject",
    "outbox_context",
    "server_span",
    "span",
]

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

TRACES_DIR_ENV = "VITRINE_TRACES_DIR"
# The key under which an outbox row keeps the emitting flow's trace context (removed before publishing).
OUTBOX_TRACE_KEY = "trace_context"
REQUEST_ID_HEADER = "x-request-id"
# Probes and scrapes, many a minute on every replica, are no part of a flow.
_UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

_tracer: trace.Tracer = trace.get_tracer("vitrine_kit")  # a no-op until configured
_lock = threading.Lock()
_providers: list[TracerProvider] = []
_state = {"configured": False, "enabled": False, "global": False}


def enabled() -> bool:
    """Whether this process records and exports spans."""
    return _state["enabled"]


def configure_tracing(service: str, exporters: Sequence[SpanExporter] | None = None) -> bool:
    """Install the exporters the environment asks for (or ``exporters``), once per process; True when
    spans are exported.

    Also makes every outgoing httpx call carry the request id (traced or not) and, when tracing, a client
    span and the trace context. Tests pass their exporters, which replace any installed before.
    """
    global _tracer
    with _lock:
        if exporters is None:
            if _state["configured"]:
                return _state["enabled"]
            disabled = os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
            exporters = [] if disabled else _exporters_from_env(service)
        _state["configured"] = True
        _patch_httpx()
        if not exporters:
            return False
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        for exporter in exporters:
            provider.add_span_processor(BatchSpanProcessor(exporter))
        _tracer = provider.get_tracer("vitrine_kit")
        _providers.append(provider)
        if not _state["global"]:  # the process-wide provider, for spans of other libraries (set once only)
            trace.set_tracer_provider(provider)
            _state["global"] = True
        _state["enabled"] = True
        return True


def flush(timeout_ms: int = 5_000) -> None:
    """Export every span ended so far (tests, and before a process exits on its own)."""
    for provider in _providers:
        provider.force_flush(timeout_ms)


def disable_tracing() -> None:
    """Stop recording spans (tests); ``configure_tracing`` with exporters starts again."""
    _state["enabled"] = False


def _exporters_from_env(service: str) -> list[SpanExporter]:
    exporters: list[SpanExporter] = []
    if os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporters.append(OTLPSpanExporter())  # reads the endpoint, headers and timeout from the env
    if directory := os.environ.get(TRACES_DIR_ENV):
        exporters.append(_json_lines_exporter(Path(directory) / f"{service}.jsonl"))
    return exporters


def _json_lines_exporter(path: Path) -> SpanExporter:
    """Spans as one JSON object a line (the SDK's own ``to_json`` form), appended to ``path``."""
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class JsonLinesExporter(SpanExporter):
        def __init__(self) -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file = path.open("a", encoding="utf-8")

        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            # One write per batch on an append-mode file: replicas sharing the file do not interleave lines.
            self.file.write("".join(s.to_json(indent=None) + "\n" for s in spans))
            self.file.flush()
            return SpanExportResult.SUCCESS

        def shutdown(self) -> None:
            self.file.close()

    return JsonLinesExporter()


# --- context in and out -------------------------------------------------------------------------------


def inject() -> dict[str, str]:
    """The current trace context as W3C headers (empty when tracing is off or no span is active)."""
    carrier: dict[str, str] = {}
    if _state["enabled"]:
        propagate.inject(carrier)
    return carrier


def extract(carrier: Mapping[str, Any] | None) -> Context | None:
    """The trace context in ``carrier`` (headers of a request or a message), if any."""
    if not _state["enabled"] or not carrier:
        return None
    return propagate.extract({k: v for k, v in carrier.items() if isinstance(v, str)})


def _asgi_headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    return {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in raw
        if name in (b"traceparent", b"tracestate")
    }


# --- spans --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: Mapping[str, Any] | None = None,
    links: Sequence[Mapping[str, Any]] = (),
    attributes: Mapping[str, str | int | float | bool] | None = None,
) -> Iterator[Span | None]:
    """A span around the block (``None`` when tracing is off); ``parent`` is a carrier of W3C headers
    (default: the current span), ``links`` carriers of related flows. An exception marks it failed."""
    if not _state["enabled"]:
        yield None
        return
    context = extract(parent) if parent is not None else None
    span_links = []
    for carrier in links:
        linked = trace.get_current_span(extract(carrier)).get_span_context()
        if linked.is_valid:
            span_links.append(Link(linked))
    attrs = dict(attributes or {})
    if rid := request_id_var.get():
        attrs.setdefault("vitrine.request_id", rid)
    with _tracer.start_as_current_span(
        name, context=context, kind=kind, links=span_links, attributes=attrs
    ) as current:
        yield current


def fail(current: Span | None, error: BaseException | str) -> None:
    """Mark ``current`` failed (for an error handled inside the span, e.g. a message sent to retry)."""
    if current is None:
        return
    if isinstance(error, BaseException):
        current.record_exception(error)
    current.set_status(Status(StatusCode.ERROR, str(error)[:300]))


@contextlib.contextmanager
def server_span(method: str, path: str, headers: Sequence[tuple[bytes, bytes]]) -> Iterator[Span | None]:
    """The server span of one HTTP request, child of the caller's ``traceparent`` if it sent one; the
    caller names it after its route once routing is done (``finish_server_span``)."""
    if not _state["enabled"] or path in _UNTRACED_PATHS:
        yield None
        return
    with span(
        f"{method} {path}",
        kind=SpanKind.SERVER,
        parent=_asgi_headers(headers),
        attributes={"http.request.method": method, "url.path": path},
    ) as current:
        yield current


def finish_server_span(current: Span | None, method: str, route: str, status: int) -> None:
    """Name the server span after its route template and record the answer's status."""
    if current is None:
        return
    current.update_name(f"{method} {route}")
    current.set_attribute("http.route", route)
    current.set_attribute("http.response.status_code", status)
    if status >= 500:
        current.set_status(Status(StatusCode.ERROR))


@contextlib.contextmanager
def consumer_span(
    queue: str, event_type: str, message_id: object, attempt: int, headers: Mapping[str, Any] | None
) -> Iterator[Span | None]:
    """The span of one message's handling, child of the producer span its headers carry."""
    with span(
        f"{queue} process {event_type}",
        kind=SpanKind.CONSUMER,
        parent=headers or {},
        attributes={
            "messaging.destination": event_type,
            "messaging.message.id": str(message_id),
            "messaging.consumer.group": queue,
            "vitrine.attempt": attempt,
        },
    ) as current:
        yield current


def answered(current: Span | None, status: int) -> None:
    """Record an HTTP answer's status on a client span; a 5xx marks it failed."""
    if current is None:
        return
    current.set_attribute("http.response.status_code", status)
    if status >= 500:
        current.set_status(Status(StatusCode.ERROR))


def outbox_context(routing_key: str) -> dict[str, str] | None:
    """Called by ``Outbox.add``: a producer span for the event, returned as the carrier the row keeps."""
    if not _state["enabled"]:
        return None
    with span(
        f"{routing_key} publish", kind=SpanKind.PRODUCER, attributes={"messaging.destination": routing_key}
    ):
        return inject() or None


# --- outgoing httpx calls -----------------------------------------------------------------------------


def _patch_httpx() -> None:
    """Every ``httpx.AsyncHTTPTransport`` request carries the request id and, when tracing, a client span."""
    transport: Any = httpx.AsyncHTTPTransport
    if getattr(transport, "_vitrine_traced", False):
        return
    original = transport.handle_async_request

    async def handle_async_request(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        rid = request_id_var.get()
        if rid and REQUEST_ID_HEADER not in request.headers:
            request.headers[REQUEST_ID_HEADER] = rid
        if not _state["enabled"]:
            return await original(self, request)  # type: ignore[no-any-return]
        with span(
            f"{request.method} {request.url.host}",
            kind=SpanKind.CLIENT,
            attributes={
                "http.request.method": request.method,
                "server.address": request.url.host,
                "url.path": request.url.path,
            },
        ) as current:
            headers: MutableMapping[str, str] = request.headers
            propagate.inject(headers)
            response: httpx.Response = await original(self, request)
            answered(current, response.status_code)
            return response

    transport.handle_async_request = handle_async_request
    transport._vitrine_traced = True
