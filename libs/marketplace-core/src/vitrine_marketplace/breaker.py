"""A circuit breaker: after repeated failures, calls are refused at once until a probe succeeds."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

from vitrine_marketplace.errors import CircuitOpen


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures; after ``reset_timeout_s`` one probe goes
    through (half-open): its success closes the breaker, its failure opens it again."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        reset_timeout_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout_s = reset_timeout_s
        self._clock = clock
        self.state = BreakerState.CLOSED
        self.failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    def before_call(self) -> None:
        """Raise ``CircuitOpen`` when the call must not be made now."""
        if self.state is BreakerState.CLOSED:
            return
        if self.state is BreakerState.OPEN:
            if self._clock() - self._opened_at < self.reset_timeout_s:
                raise CircuitOpen(f"{self.name} is failing; calls are paused for a few seconds")
            self.state = BreakerState.HALF_OPEN
            self._probe_in_flight = False
        if self._probe_in_flight:
            raise CircuitOpen(f"{self.name} is failing; a probe call is in flight")
        self._probe_in_flight = True

    def record_success(self) -> None:
        """The call worked: close the breaker."""
        self.state = BreakerState.CLOSED
        self.failures = 0
        self._probe_in_flight = False

    def record_failure(self) -> None:
        """The call failed (no answer or 5xx): count it, and open the breaker past the threshold."""
        self.failures += 1
        self._probe_in_flight = False
        if self.state is BreakerState.HALF_OPEN or self.failures >= self.failure_threshold:
            self.state = BreakerState.OPEN
            self._opened_at = self._clock()
