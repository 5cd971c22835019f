from __future__ import annotations

import uuid

import pytest
from notification_service.feed.hub import FeedConnection
from notification_service.feed.repository import lost
from notification_service.feed.schemas import StreamEnd

pytestmark = pytest.mark.unit


class TestConnectionQueue:
    def test_frames_wait_in_order_up_to_the_limit(self) -> None:
        conn = FeedConnection(uuid.uuid4(), limit=3)
        assert all(conn.offer(n, b"f%d" % n) for n in (1, 2, 3))
        assert [i for i, _ in conn.pending] == [1, 2, 3]
        assert conn.wake.is_set()
        assert conn.ending is None

    def test_one_more_drops_them_all_and_ends_the_connection(self) -> None:
        conn = FeedConnection(uuid.uuid4(), limit=3)
        for n in (1, 2, 3):
            conn.offer(n, b"x" * 1000)
        assert conn.offer(4, b"x") is False
        assert not conn.pending  # nothing kept for a client that does not read
        assert conn.ending is StreamEnd.SLOW
        assert conn.offer(5, b"x") is True  # ignored once ending
        assert not conn.pending

    def test_the_first_reason_to_end_is_kept(self) -> None:
        conn = FeedConnection(uuid.uuid4(), limit=3)
        conn.end(StreamEnd.TOKEN_EXPIRED)
        conn.end(StreamEnd.DRAINING)
        assert conn.ending is StreamEnd.TOKEN_EXPIRED


class TestLostHistory:
    @pytest.mark.parametrize(
        ("after", "newest", "oldest", "gap"),
        [
            (0, 0, None, False),  # a new feed
            (0, 10, 3, False),  # from the start: whatever is kept
            (5, 10, 3, False),
            (2, 10, 3, False),  # the next one is the oldest kept
            (1, 10, 3, True),  # item 2 is gone
            (10, 10, None, False),  # up to date, the rest pruned by age
            (4, 10, None, True),  # everything after 4 pruned
            (11, 10, 3, True),  # an id this feed never gave
        ],
    )
    def test_cases(self, after: int, newest: int, oldest: int | None, gap: bool) -> None:
        assert lost(after, newest=newest, oldest=oldest) is gap
