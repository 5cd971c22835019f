"""The relay's Prometheus figures: connections, jobs, delivery latency, Vinted calls by status."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from vitrine_kit.metrics import LATENCY_BUCKETS, ServiceMetrics


class RelayMetrics(ServiceMetrics):
    """The kit's service metrics plus the relay's own, in one registry."""

    def __post_init__(self) -> None:
        super().__post_init__()
        r = self.registry
        self.connections = Gauge("relay_connections", "Plugin sockets open on this replica", registry=r)
        self.refused = Counter(
            "relay_connections_refused_total", "Refused connects, by reason", ["code"], registry=r
        )
        self.jobs = Counter(
            "relay_jobs_total", "Jobs by stage (received, acked, succeeded…)", ["stage"], registry=r
        )
        self.in_flight = Gauge("relay_jobs_in_flight", "Jobs delivered and not finished", registry=r)
        self.delivery_latency = Histogram(
            "relay_job_ack_seconds",
            "From job.deliver to the plugin's ack",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.progress = Counter("relay_job_progress_total", "job.progress messages", registry=r)
        self.vinted_calls = Counter(
            "relay_vinted_calls_total", "Vinted calls reported, by HTTP status", ["status"], registry=r
        )
