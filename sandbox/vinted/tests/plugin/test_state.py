"""The plugin stand-in's memory: its journal answers a redelivered job as a new answer, for a day."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sandbox_vinted.plugin import Journal, relay_error
from vitrine_contracts.relay.v1 import JobResult

pytestmark = pytest.mark.unit


def result() -> JobResult:
    return JobResult(
        job_id=uuid.uuid4(),
        result_id=uuid.uuid4(),
        outcome="succeeded",
        data={"item_id": 1},
        finished_at=datetime.now(UTC),
    )


class TestJournal:
    def test_a_replay_is_the_same_answer_under_a_new_id(self) -> None:
        journal, done = Journal(), result()
        journal.record(done)
        replay = journal.replay(done.job_id)
        assert replay is not None
        assert (replay.data, replay.replayed) == (done.data, True)
        assert replay.result_id not in (None, done.result_id)
        assert journal.replay(uuid.uuid4()) is None

    def test_entries_expire(self) -> None:
        journal, done = Journal(ttl_s=-1), result()
        journal.record(done)
        assert done.job_id not in journal


class TestRelayErrors:
    def test_a_refusal_is_told_from_an_ack(self) -> None:
        assert relay_error({"job_id": str(uuid.uuid4()), "accepted": True}) is None
        refused = relay_error({"code": "rate-limited", "message": "slow down", "retry_after_s": 0.5})
        assert refused is not None
        assert (refused.code, refused.retry_after_s) == ("rate-limited", 0.5)
