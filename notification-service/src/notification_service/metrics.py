"""notification-service's Prometheus figures, in the kit's registry: feed connections and items, mails."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from vitrine_kit.metrics import LATENCY_BUCKETS, ServiceMetrics


class NotifyMetrics:
    """Registered once per app in the registry of the kit's ``ServiceMetrics`` (served on ``/metrics``)."""

    def __init__(self, kit: ServiceMetrics) -> None:
        r = kit.registry
        self.feed_connections = Gauge("feed_connections", "Feed streams open on this replica", registry=r)
        self.feed_items_pushed = Counter(
            "feed_items_pushed_total", "Items handed to feed connections (one per connection)", registry=r
        )
        self.feed_ended = Counter(
            "feed_streams_ended_total", "Streams the server ended, by reason", ["reason"], registry=r
        )
        self.feed_caught_up = Counter(
            "feed_catch_up_reads_total", "History reads of open streams (resume, gaps)", registry=r
        )
        self.mails = Counter("mails_total", "Mail attempts, by outcome", ["outcome"], registry=r)
        self.mail_latency = Histogram(
            "mail_send_seconds", "One SMTP delivery", buckets=LATENCY_BUCKETS, registry=r
        )
