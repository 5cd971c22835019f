"""ai-service's own Prometheus figures, in the service's registry (served on ``/metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class AiMetrics:
    """What the providers cost and how analyses end."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.tokens = Counter(
            "ai_provider_tokens_total",
            "Tokens counted by the providers, by step and direction (input, output)",
            ["provider", "model", "step", "direction"],
            registry=registry,
        )
        self.calls = Counter(
            "ai_provider_calls_total",
            "Provider calls, retries included",
            ["provider", "step"],
            registry=registry,
        )
        self.analyses = Counter(
            "ai_analyses_total", "Analyses decided, by outcome (completed, cached, or the failure code)",
            ["outcome"], registry=registry,
        )  # fmt: skip
