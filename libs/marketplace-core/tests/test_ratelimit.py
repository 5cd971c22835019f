from __future__ import annotations

import time

import pytest
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
