"""Requests and their latency, counted in plain dicts and lists on the request path (compiled: see
gateway/compile.py); ``ops.TrafficCollector`` turns them into Prometheus families when scraped.

prometheus_client's own types take a lock per increment and walk the histogram's buckets in Python: at
every request that was a few per cent of the gateway's CPU. One process runs one event loop, so no lock
is needed here; the scrape reads the same figures prometheus_client's types would have given.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence


class Traffic:
    """``requests[(upstream, status)]``: answers counted; ``latency[upstream]``: one count per bucket
    (``bounds``, ascending, then +Inf) followed by the sum of the observed seconds."""

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = sorted(bounds)
        self.requests: dict[tuple[str, int], int] = {}
        self.latency: dict[str, list[float]] = {}

    def observe(self, upstream: str, status: int, elapsed: float) -> None:
        """Count one answered request and its latency."""
        key = (upstream, status)
        self.requests[key] = self.requests.get(key, 0) + 1
        counts = self.latency.get(upstream)
        if counts is None:
            counts = self.latency[upstream] = [0.0] * (len(self.bounds) + 2)
        # A bucket counts what is <= its bound: the first bound >= elapsed (+Inf past the last).
        counts[bisect_left(self.bounds, elapsed)] += 1
        counts[-1] += elapsed
