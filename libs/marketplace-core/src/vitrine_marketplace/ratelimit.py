"""Token buckets per application and per seller account, which a 429's ``Retry-After`` can pause."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable


class TokenBucket:
    """``rate_per_s`` tokens a second up to ``burst``; ``acquire`` waits for one.

    ``pause(seconds)`` empties the bucket and blocks it until then (a 429 with ``Retry-After``).
    """

    def __init__(
        self, rate_per_s: float, burst: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        self.rate = rate_per_s
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._updated = clock()
        self._blocked_until = 0.0
        self._lock = asyncio.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def wait_time(self) -> float:
        """Seconds until a token would be available (0 when one is)."""
        now = self._clock()
        self._refill(now)
        blocked = max(0.0, self._blocked_until - now)
        missing = max(0.0, 1.0 - self._tokens) / self.rate
        return max(blocked, missing)

    async def acquire(self) -> float:
        """Take one token, waiting as long as needed; returns the seconds waited."""
        waited = 0.0
        async with self._lock:  # FIFO: waiters are served in arrival order
            while (delay := self.wait_time()) > 0:
                await asyncio.sleep(delay)
                waited += delay
            self._tokens -= 1.0
        return waited

    def pause(self, seconds: float) -> None:
        """Refuse tokens for ``seconds`` from now (never shortens an existing pause)."""
        now = self._clock()
        self._refill(now)
        self._tokens = 0.0
        self._blocked_until = max(self._blocked_until, now + max(0.0, seconds))

    @property
    def paused_for(self) -> float:
        """Seconds left of the current pause."""
        return max(0.0, self._blocked_until - self._clock())


class RateLimiter:
    """One bucket for the whole application plus one per account; a call takes a token from both."""

    def __init__(
        self,
        *,
        app_rate_per_s: float,
        app_burst: float,
        account_rate_per_s: float,
        account_burst: float,
        max_accounts: int = 10_000,
    ) -> None:
        self.app = TokenBucket(app_rate_per_s, app_burst)
        self._account_rate = account_rate_per_s
        self._account_burst = account_burst
        self._max_accounts = max_accounts
        self._accounts: OrderedDict[str, TokenBucket] = OrderedDict()

    def bucket(self, account: str) -> TokenBucket:
        """The bucket of one account (created on first use, least recently used forgotten first)."""
        found = self._accounts.get(account)
        if found is None:
            found = TokenBucket(self._account_rate, self._account_burst)
            self._accounts[account] = found
            if len(self._accounts) > self._max_accounts:
                self._accounts.popitem(last=False)
        else:
            self._accounts.move_to_end(account)
        return found

    async def acquire(self, account: str | None) -> float:
        """Take a token for ``account`` (if any) and one for the application; returns the seconds waited."""
        waited = await self.bucket(account).acquire() if account is not None else 0.0
        return waited + await self.app.acquire()

    def pause(self, account: str | None, seconds: float) -> None:
        """Honour a ``Retry-After``: the account's bucket when known, else the application's."""
        if account is not None:
            self.bucket(account).pause(seconds)
        else:
            self.app.pause(seconds)
