"""The request figures are counted in plain dicts (traffic.py) and read at scrape as Prometheus families."""

from __future__ import annotations

from gateway.ops import GatewayMetrics
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from vitrine_kit.metrics import LATENCY_BUCKETS

OBSERVED = [
    ("auth", 200, 0.0004),
    ("auth", 200, 0.001),  # exactly a bound: counted in that bucket
    ("auth", 404, 0.0011),
    ("auth", 200, 0.0025),
    ("catalog", 502, 12.0),  # past the last bound: +Inf only
    ("catalog", 200, 0.25),
    ("catalog", 499, 0.0),
]


def _samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in registry.collect():
        if family.name in ("gateway_requests", "gateway_request_duration_seconds"):
            for sample in family.samples:
                if not sample.name.endswith("_created"):
                    out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_the_scrape_reads_as_prometheus_client_s_own_counter_and_histogram() -> None:
    metrics = GatewayMetrics()
    reference = CollectorRegistry()
    requests = Counter(
        "gateway_requests_total",
        "Requests by upstream and status",
        ["upstream", "status"],
        registry=reference,
    )
    latency = Histogram(
        "gateway_request_duration_seconds",
        "Latency seen by the client, by upstream",
        ["upstream"],
        buckets=LATENCY_BUCKETS,
        registry=reference,
    )
    for upstream, status, elapsed in OBSERVED:
        metrics.traffic.observe(upstream, status, elapsed)
        requests.labels(upstream, str(status)).inc()
        latency.labels(upstream).observe(elapsed)
    expected = _samples(reference)
    assert len(expected) == 5 + 2 * (len(LATENCY_BUCKETS) + 1 + 2)  # 5 counters; buckets, +Inf, count, sum
    assert _samples(metrics.registry) == expected
    text = generate_latest(metrics.registry).decode()
    assert 'gateway_requests_total{status="404",upstream="auth"} 1.0' in text
    assert 'gateway_request_duration_seconds_bucket{le="0.001",upstream="auth"} 2.0' in text
    assert 'gateway_request_duration_seconds_bucket{le="+Inf",upstream="catalog"} 3.0' in text


def test_nothing_observed_scrapes_empty_families() -> None:
    text = generate_latest(GatewayMetrics().registry).decode()
    assert "# TYPE gateway_requests_total counter" in text
    assert "# TYPE gateway_request_duration_seconds histogram" in text
