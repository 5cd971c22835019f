"""The relay's small parts on their own: token buckets, the result ledger, the revoked set."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from relay_service.limits import TokenBucket
from relay_service.results import ResultLedger, result_key
from relay_service.revocations import RevokedDevices
from vitrine_contracts.relay.v1 import JobResult

pytestmark = pytest.mark.unit


class TestTokenBucket:
    def test_a_burst_then_the_rate(self) -> None:
        bucket = TokenBucket(rate=2, burst=3, at=0.0)
        assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
        assert bucket.take(0.0) == pytest.approx(0.5)
        assert bucket.take(0.5) == 0.0
        assert bucket.take(100.0) == 0.0
        assert bucket.tokens == 2  # never more than the burst


class TestResultLedger:
    def result(self, **fields) -> JobResult:
        return JobResult(job_id=uuid.uuid4(), outcome="succeeded", finished_at=datetime.now(UTC), **fields)

    def test_keys(self) -> None:
        plain = self.result()
        assert result_key(plain) == result_key(plain.model_copy())
        assert result_key(plain) != result_key(plain.model_copy(update={"replayed": True}))
        named = self.result(result_id=uuid.uuid4())
        assert result_key(named) == result_key(named.model_copy(update={"calls": []}))

    async def test_copies_publish_once_and_a_failure_lets_the_next_copy_try(self) -> None:
        ledger, published = ResultLedger(window_s=60, max_entries=10), []

        async def publish() -> None:
            await asyncio.sleep(0.01)
            published.append(1)

        runs = await asyncio.gather(*(ledger.publish_once(b"k", publish) for _ in range(4)))
        assert sorted(runs) == [False, False, False, True]
        assert published == [1]

        async def broken() -> None:
            raise ConnectionError("broker away")

        with pytest.raises(ConnectionError):
            await ledger.publish_once(b"other", broken)
        assert await ledger.publish_once(b"other", publish)

    async def test_the_window_is_bounded(self) -> None:
        ledger = ResultLedger(window_s=60, max_entries=2)

        async def publish() -> None:
            return None

        for key in (b"a", b"b", b"c"):
            assert await ledger.publish_once(key, publish)
        assert len(ledger) == 2
        assert await ledger.publish_once(b"a", publish)  # forgotten: the oldest went first


class TestRevokedDevices:
    def test_entries_expire_and_the_set_is_bounded(self) -> None:
        device = uuid.uuid4()
        revoked = RevokedDevices(ttl_s=60, max_entries=2)
        revoked.add(device)
        assert device in revoked
        assert uuid.uuid4() not in revoked
        revoked.add(uuid.uuid4())
        revoked.add(uuid.uuid4())
        assert device not in revoked
        expired = RevokedDevices(ttl_s=-1)
        expired.add(device)
        assert device not in expired
