from __future__ import annotations

import time

import pytest
from vitrine_marketplace.breaker import BreakerState, CircuitBreaker
from vitrine_marketplace.errors import CircuitOpen
from vitrine_marketplace.ratelimit import RateLimiter, TokenBucket


class TestTokenBucket:
    async def test_burst_then_rate(self) -> None:
        bucket = TokenBucket(rate_per_s=20, burst=3)
        started = time.monotonic()
        for _ in range(5):
            await bucket.acquire()
        # 3 free, then 2 at 20/s ≈ 0.1 s
        assert 0.07 < time.monotonic() - started < 0.5

    async def test_pause_honours_retry_after(self) -> None:
        bucket = TokenBucket(rate_per_s=100, burst=10)
        bucket.pause(0.3)
        waited = await bucket.acquire()
        assert waited >= 0.25

    def test_invalid(self) -> None:
        with pytest.raises(ValueError):
            TokenBucket(0, 1)


class TestRateLimiter:
    async def test_accounts_are_independent(self) -> None:
        limiter = RateLimiter(app_rate_per_s=1000, app_burst=1000, account_rate_per_s=1, account_burst=1)
        limiter.pause("a", 5)
        started = time.monotonic()
        await limiter.acquire("b")
        assert time.monotonic() - started < 0.1
        assert limiter.bucket("a").paused_for > 4


class TestCircuitBreaker:
    def test_opens_probes_and_closes(self) -> None:
        now = [0.0]
        breaker = CircuitBreaker("ebay", failure_threshold=2, reset_timeout_s=10, clock=lambda: now[0])
        breaker.before_call()
        breaker.record_failure()
        breaker.record_failure()
        assert breaker.state is BreakerState.OPEN
        with pytest.raises(CircuitOpen):
            breaker.before_call()
        now[0] = 11
        breaker.before_call()  # the probe
        with pytest.raises(CircuitOpen):
            breaker.before_call()  # only one probe at a time
        breaker.record_success()
        assert breaker.state is BreakerState.CLOSED

    def test_failed_probe_reopens(self) -> None:
        now = [0.0]
        breaker = CircuitBreaker("ebay", failure_threshold=1, reset_timeout_s=1, clock=lambda: now[0])
        breaker.record_failure()
        now[0] = 2
        breaker.before_call()
        breaker.record_failure()
        with pytest.raises(CircuitOpen):
            breaker.before_call()
