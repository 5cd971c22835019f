"""A circuit breaker: fail fast while a dependency is down, let one probe through to find out when it is back.

    with breaker.attempt() as call:      # raises BreakerOpen when calls are paused
        response = await send()
        if looks_like_an_outage(response):
            call.failed()
        else:
            call.succeeded()

An attempt that ends without ``succeeded()`` or ``failed()`` (an exception, a cancellation, a request the
client abandoned) is released without counting, so a half-open breaker's probe slot can never leak.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from types import TracebackType

__all__ = ["Attempt", "BreakerOpen", "BreakerState", "CircuitBreaker"]


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class BreakerOpen(Exception):
    """The breaker refuses calls for now; ``retry_after_s`` says when the next probe may go through."""

    def __init__(self, name: str, retry_after_s: float) -> None:
        super().__init__(f"{name} is failing; calls are paused for {retry_after_s:.1f} s")
        self.name = name
        self.retry_after_s = retry_after_s


class CircuitBreaker:
    """Closed → open after ``failure_threshold`` failures within ``window_s`` with no success between them;
    open → half-open after ``reset_timeout_s``; half-open lets exactly one probe through, whose success
    closes the breaker and whose failure opens it again.

    Outcomes of calls admitted before the last change of state are ignored: a slow call started while the
    breaker was closed cannot close it again while it is open. One event loop only (not thread-safe).
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        window_s: float = 30.0,
        reset_timeout_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.name = name
        self.failure_threshold = failure_threshold
        self.window_s = window_s
        self.reset_timeout_s = reset_timeout_s
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures: deque[float] = deque()
        self._opened_at = 0.0
        self._probe_in_flight = False
        # Bumped on every change of state, so late outcomes of older calls can be told apart.
        self._generation = 0

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker turns half-open on the next ``attempt()`` past the pause)."""
        return self._state

    @property
    def failures(self) -> int:
        """Failures counted towards opening (closed state only)."""
        return len(self._failures)

    def retry_after_s(self) -> float:
        """Seconds until a call may be admitted again (0 when one may be now)."""
        if self._state is BreakerState.OPEN:
            return max(0.0, self.reset_timeout_s - (self._clock() - self._opened_at))
        if self._state is BreakerState.HALF_OPEN and self._probe_in_flight:
            return 1.0
        return 0.0

    def attempt(self) -> Attempt:
        """A context manager for one call; entering it raises ``BreakerOpen`` when the call must not be made."""
        return Attempt(self)

    # -- used by Attempt -------------------------------------------------------------------------------

    def _admit(self) -> tuple[int, bool]:
        if self._state is BreakerState.OPEN:
            wait = self.reset_timeout_s - (self._clock() - self._opened_at)
            if wait > 0:
                raise BreakerOpen(self.name, wait)
            self._enter(BreakerState.HALF_OPEN)
        if self._state is BreakerState.HALF_OPEN:
            if self._probe_in_flight:
                raise BreakerOpen(self.name, 1.0)
            self._probe_in_flight = True
            return self._generation, True
        return self._generation, False

    def _settle(self, generation: int, probe: bool, outcome: bool | None) -> None:
        """``outcome``: True success, False failure, None nothing learnt (the slot is only released)."""
        if probe:
            self._probe_in_flight = False
        if generation != self._generation or outcome is None:
            return
        if outcome:
            if self._state is not BreakerState.CLOSED:
                self._enter(BreakerState.CLOSED)
            self._failures.clear()
            return
        if probe:
            self._enter(BreakerState.OPEN)
            return
        now = self._clock()
        failures = self._failures
        failures.append(now)
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        if len(failures) >= self.failure_threshold:
            self._enter(BreakerState.OPEN)

    def _enter(self, state: BreakerState) -> None:
        self._state = state
        self._generation += 1
        self._failures.clear()
        self._probe_in_flight = False
        if state is BreakerState.OPEN:
            self._opened_at = self._clock()


class Attempt:
    """One admitted call. Record ``succeeded()`` or ``failed()``; leaving the block otherwise releases it."""

    __slots__ = ("_breaker", "_generation", "_probe", "_settled")

    def __init__(self, breaker: CircuitBreaker) -> None:
        self._breaker = breaker
        self._generation = -1
        self._probe = False
        self._settled = True  # nothing to release until admitted

    @property
    def is_probe(self) -> bool:
        """Whether this call is the half-open breaker's single probe."""
        return self._probe

    def __enter__(self) -> Attempt:
        self._generation, self._probe = self._breaker._admit()
        self._settled = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._finish(None)

    def succeeded(self) -> None:
        """The dependency answered: it is up (whatever its answer meant for the caller)."""
        self._finish(True)

    def failed(self) -> None:
        """The dependency could not be reached, did not answer in time, or said it is unavailable."""
        self._finish(False)

    def _finish(self, outcome: bool | None) -> None:
        if self._settled:
            return
        self._settled = True
        self._breaker._settle(self._generation, self._probe, outcome)
