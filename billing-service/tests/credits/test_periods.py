from __future__ import annotations

from datetime import UTC, datetime

import pytest
from billing_service.credits.service import month_start, next_month_start

pytestmark = pytest.mark.unit


class TestCalendarMonths:
    def test_the_month_of_a_moment(self) -> None:
        at = datetime(2026, 1, 31, 23, 59, tzinfo=UTC)
        assert month_start(at) == datetime(2026, 1, 1, tzinfo=UTC)
        assert next_month_start(at) == datetime(2026, 2, 1, tzinfo=UTC)

    def test_december_rolls_into_the_next_year(self) -> None:
        assert next_month_start(datetime(2026, 12, 15, tzinfo=UTC)) == datetime(2027, 1, 1, tzinfo=UTC)
