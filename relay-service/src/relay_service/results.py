"""Each job result is published once, however often a plugin sends it (it resends until acked, a broken or
hostile one in a loop): results are keyed by job id + result id for a bounded window."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from vitrine_contracts.relay.v1 import JobResult


def result_key(result: JobResult) -> bytes:
    """The job and the plugin's ``result_id``; from a plugin that sends none, a digest of the message (a
    resend is byte-for-byte the same answer, a replay from the journal is not)."""
    answer = str(result.result_id) if result.result_id else result.model_dump_json()
    return hashlib.blake2b(f"{result.job_id}:{answer}".encode(), digest_size=16).digest()


class ResultLedger:
    """Keys of published results, newest last, for ``window_s`` and at most ``max_entries`` (16-byte keys:
    100,000 of them are a few MiB)."""

    def __init__(self, window_s: float, max_entries: int) -> None:
        self.window_s = window_s
        self.max_entries = max_entries
        self._done: OrderedDict[bytes, float] = OrderedDict()
        self._pending: dict[bytes, asyncio.Event] = {}

    async def publish_once(self, key: bytes, publish: Callable[[], Awaitable[None]]) -> bool:
        """Run ``publish`` unless this key was published in the window; True when this call published it.

        A copy arriving while the first is being published waits for it; if the first failed, the copy
        raises too (no ack: the plugin sends it again, and that attempt publishes).
        """
        self._expire()
        if key in self._done:
            return False
        first = self._pending.get(key)
        if first is not None:
            await first.wait()
            if key in self._done:
                return False
            raise ConnectionError("the first copy of this result could not be published")
        done = self._pending[key] = asyncio.Event()
        try:
            await publish()
            self._done[key] = time.monotonic()
            while len(self._done) > self.max_entries:
                self._done.popitem(last=False)
            return True
        finally:
            del self._pending[key]
            done.set()

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.window_s
        while self._done and next(iter(self._done.values())) < cutoff:
            self._done.popitem(last=False)

    def __len__(self) -> int:
        return len(self._done)
