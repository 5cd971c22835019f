"""A circuit breaker per upstream: fail fast while a service is down, probe it to close again."""

from __future__ import annotations

import time
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures; after ``open_s`` one request is let through.

    That probe closes the breaker when it succeeds and reopens it for another ``open_s`` when it fails;
    while it is in flight every other request is refused, so a recovering service gets one request, not
    the whole backlog at once.
    """

    def __init__(self, name: str, *, failure_threshold: int = 5, open_s: float = 10.0) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.open_s = open_s
        self.state = BreakerState.CLOSED
        self.failures = 0
        self.opened_at = 0.0
        self._probe_in_flight = False

    def allow(self) -> bool:
        """Whether a request may go to the upstream now; a True in half-open state makes it the probe."""
        if self.state is BreakerState.CLOSED:
            return True
        if self.state is BreakerState.OPEN:
            if time.monotonic() - self.opened_at < self.open_s:
                return False
            self.state = BreakerState.HALF_OPEN
            self._probe_in_flight = False
        if self._probe_in_flight:
            return False
        self._probe_in_flight = True
        return True

    def retry_after_s(self) -> float:
        """Seconds until the next probe may be let through."""
        if self.state is BreakerState.OPEN:
            return max(0.0, self.open_s - (time.monotonic() - self.opened_at))
        return 1.0

    def record_success(self) -> None:
        """The upstream answered (any status below 500, or a 500 that is not about availability)."""
        self.failures = 0
        self._probe_in_flight = False
        self.state = BreakerState.CLOSED

    def record_failure(self) -> None:
        """The upstream could not be reached, timed out, or said it is unavailable."""
        self.failures += 1
        self._probe_in_flight = False
        if self.state is BreakerState.HALF_OPEN or self.failures >= self.failure_threshold:
            self.state = BreakerState.OPEN
            self.opened_at = time.monotonic()

    def release(self) -> None:
        """The request ended without telling anything about the upstream (e.g. the client went away)."""
        self._probe_in_flight = False
