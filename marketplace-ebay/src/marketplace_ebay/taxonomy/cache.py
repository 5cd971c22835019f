"""A small in-process cache with a time to live: each site's category tree id, each (site, category)'s
aspects. eBay changes its trees a few times a year; a replica reads each answer once per TTL."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TtlCache:
    """``key → (value, expires at)``; ``clock`` is monotonic seconds (tests move it)."""

    max_entries: int = 5000
    clock: Callable[[], float] = time.monotonic
    _rows: dict[Any, tuple[Any, float]] = field(default_factory=dict)

    def get(self, key: Any) -> Any | None:
        row = self._rows.get(key)
        if row is None:
            return None
        if row[1] <= self.clock():
            del self._rows[key]
            return None
        return row[0]

    def put(self, key: Any, value: Any, ttl_s: float) -> None:
        if len(self._rows) >= self.max_entries:  # oldest first: dicts keep insertion order
            for old in list(self._rows)[: self.max_entries // 10 or 1]:
                del self._rows[old]
        self._rows[key] = (value, self.clock() + ttl_s)

    def clear(self) -> None:
        self._rows.clear()
