"""The circuit breaker: its states, its window, and a probe slot that is released on every path."""

from __future__ import annotations

import asyncio

import pytest
from vitrine_kit.breaker import BreakerOpen, BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def breaker(
    clock: Clock, *, threshold: int = 3, window_s: float = 10.0, reset_s: float = 5.0
) -> CircuitBreaker:
    return CircuitBreaker(
        "svc", failure_threshold=threshold, window_s=window_s, reset_timeout_s=reset_s, clock=clock
    )


def fail(b: CircuitBreaker) -> None:
    with b.attempt() as call:
        call.failed()


def succeed(b: CircuitBreaker) -> None:
    with b.attempt() as call:
        call.succeeded()


def open_breaker(b: CircuitBreaker, clock: Clock) -> None:
    for _ in range(b.failure_threshold):
        fail(b)
    assert b.state is BreakerState.OPEN
    clock.now += b.reset_timeout_s


pytestmark = pytest.mark.unit


class TestClosed:
    def test_opens_after_threshold_failures_in_the_window(self) -> None:
        clock = Clock()
        b = breaker(clock)
        fail(b)
        fail(b)
        assert b.state is BreakerState.CLOSED
        fail(b)
        assert b.state is BreakerState.OPEN
        with pytest.raises(BreakerOpen) as refused:
            b.attempt().__enter__()
        assert refused.value.retry_after_s == pytest.approx(5.0)

    def test_failures_older_than_the_window_are_forgotten(self) -> None:
        clock = Clock()
        b = breaker(clock)
        fail(b)
        fail(b)
        clock.now += 11
        fail(b)
        assert b.state is BreakerState.CLOSED
        assert b.failures == 1

    def test_a_success_clears_the_count(self) -> None:
        clock = Clock()
        b = breaker(clock)
        fail(b)
        fail(b)
        succeed(b)
        fail(b)
        fail(b)
        assert b.state is BreakerState.CLOSED

    def test_an_attempt_without_outcome_counts_nothing(self) -> None:
        b = breaker(Clock(), threshold=1)
        with b.attempt():
            pass
        with pytest.raises(RuntimeError), b.attempt():
            raise RuntimeError
        assert b.state is BreakerState.CLOSED
        assert b.failures == 0


class TestHalfOpen:
    def test_one_probe_whose_success_closes(self) -> None:
        clock = Clock()
        b = breaker(clock)
        open_breaker(b, clock)
        with b.attempt() as probe:
            assert probe.is_probe
            assert b.state is BreakerState.HALF_OPEN
            with pytest.raises(BreakerOpen):
                b.attempt().__enter__()  # only one probe at a time
            probe.succeeded()
        assert b.state is BreakerState.CLOSED
        succeed(b)

    def test_a_failed_probe_opens_again(self) -> None:
        clock = Clock()
        b = breaker(clock)
        open_breaker(b, clock)
        fail(b)
        assert b.state is BreakerState.OPEN
        assert b.retry_after_s() == pytest.approx(5.0)

    def test_a_probe_that_raises_frees_the_slot(self) -> None:
        clock = Clock()
        b = breaker(clock)
        open_breaker(b, clock)
        with pytest.raises(ValueError), b.attempt():
            raise ValueError("the request could not be built")
        assert b.state is BreakerState.HALF_OPEN
        succeed(b)  # the next request is the probe, not refused
        assert b.state is BreakerState.CLOSED

    async def test_a_cancelled_probe_frees_the_slot(self) -> None:
        clock = Clock()
        b = breaker(clock)
        open_breaker(b, clock)
        entered = asyncio.Event()

        async def probe() -> None:
            with b.attempt():
                entered.set()
                await asyncio.sleep(3600)

        task = asyncio.create_task(probe())
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        succeed(b)
        assert b.state is BreakerState.CLOSED

    def test_outcome_is_recorded_once(self) -> None:
        clock = Clock()
        b = breaker(clock)
        open_breaker(b, clock)
        with b.attempt() as probe:
            probe.succeeded()
            probe.failed()  # ignored: the outcome is already known
        assert b.state is BreakerState.CLOSED


class TestLateOutcomes:
    def test_a_call_admitted_while_closed_does_not_close_an_open_breaker(self) -> None:
        clock = Clock()
        b = breaker(clock, threshold=1)
        slow = b.attempt().__enter__()
        fail(b)
        assert b.state is BreakerState.OPEN
        slow.succeeded()
        assert b.state is BreakerState.OPEN

    def test_a_late_failure_does_not_count_after_recovery(self) -> None:
        clock = Clock()
        b = breaker(clock, threshold=2)
        slow = b.attempt().__enter__()
        open_breaker(b, clock)
        succeed(b)  # the probe
        slow.failed()
        assert b.state is BreakerState.CLOSED
        assert b.failures == 0


def test_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("svc", failure_threshold=0)
