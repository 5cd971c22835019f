"""Prometheus metrics of one service process, in a registry of its own."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class ServiceMetrics:
    """HTTP, consumer and outbox figures; one instance per app."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.http_requests = Counter(
            "http_requests_total",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.http_in_flight = Gauge("http_requests_in_flight", "HTTP requests being served", registry=r)
        self.consumed = Counter(
            "events_consumed_total",
            "Events handled, by queue, type and outcome",
            ["queue", "event_type", "outcome"],
            registry=r,
        )
        self.consume_latency = Histogram(
            "event_handler_duration_seconds",
            "Event handler latency",
            ["queue", "event_type"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.event_lag = Histogram(
            "event_delivery_lag_seconds",
            "From occurred_at to the handler's start",
            ["queue"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.outbox_published = Counter(
            "outbox_published_total", "Outbox rows published", ["event_type"], registry=r
        )
        self.outbox_failures = Counter("outbox_publish_failures_total", "Failed outbox publishes", registry=r)
        self.outbox_pending = Gauge("outbox_pending", "Unsent outbox rows at the last relay pass", registry=r)
        self.outbox_backlog = Gauge(
            "outbox_backlog", "Unsent outbox rows, counted every few seconds", registry=r
        )
        self.outbox_oldest_age = Gauge(
            "outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox row (0: none)", registry=r
        )
        self.marketplace_events = Counter(
            "marketplace_events_published_total",
            "Published events that name a marketplace (publication outcomes…), with the failure code if any",
            ["event_type", "marketplace", "code"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "events_queue_depth", "Messages ready in a consumer's queue", ["queue"], registry=r
        )
        self.dlq_depth = Gauge(
            "events_dlq_depth", "Messages in a consumer's dead-letter queue", ["queue"], registry=r
        )
        self.broker_connected = Gauge("broker_connected", "1 while the broker connection is open", registry=r)
        self.loop_runs = Counter(
            "background_loop_runs_total",
            "Runs of background loops by outcome",
            ["loop", "outcome"],
            registry=r,
        )
