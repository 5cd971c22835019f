"""The scheduled reference refresh's metrics (in the service's registry)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge


@dataclass
class RefreshMetrics:
    """``vinted_reference_refresh_total{outcome}`` (started, succeeded, failed, timed_out, no_plugin) and the
    time of the last success."""

    runs: Counter
    last_success: Gauge

    @classmethod
    def on(cls, registry: CollectorRegistry) -> RefreshMetrics:
        return cls(
            runs=Counter(
                "vinted_reference_refresh_total",
                "Scheduled Vinted reference refreshes, by outcome",
                ["outcome"],
                registry=registry,
            ),
            last_success=Gauge(
                "vinted_reference_refresh_last_success_timestamp_seconds",
                "When the last scheduled refresh had every list",
                registry=registry,
            ),
        )
