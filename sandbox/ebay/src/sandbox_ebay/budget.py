"""An optional per-seller call budget (token bucket): a seller's calls above it are answered 429."""

from __future__ import annotations

import threading
import time


class CallBudget:
    """``rate`` calls per second per seller, ``burst`` at once; ``rate`` None: no budget."""

    def __init__(self, rate: float | None, burst: float) -> None:
        self.rate, self.burst = rate, max(burst, 1.0)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self.refused = 0

    def take(self, user_id: str) -> bool:
        """Spend one call of ``user_id``'s budget; False when it is used up (the call is refused)."""
        if self.rate is None:
            return True
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(user_id, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[user_id] = (tokens, now)
                self.refused += 1
                return False
            self._buckets[user_id] = (tokens - 1.0, now)
            return True
