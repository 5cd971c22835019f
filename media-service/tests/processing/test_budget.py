"""Image work admitted by its memory: big photos queue instead of running side by side past the budget."""

from __future__ import annotations

import asyncio
import io

import pytest
from media_service.processing.budget import MemoryBudget, declared_pixels
from media_service.processing.sniff import SourceFormat

pytestmark = pytest.mark.unit


async def run(budget: MemoryBudget, estimate: int, log: list[str], name: str) -> None:
    async with budget.hold(estimate):
        log.append(f"+{name}")
        await asyncio.sleep(0.05)
        log.append(f"-{name}")


class TestMemoryBudget:
    async def test_two_that_do_not_fit_together_run_one_after_the_other(self) -> None:
        budget, log = MemoryBudget(100), []
        await asyncio.gather(run(budget, 60, log, "a"), run(budget, 60, log, "b"))
        assert log in (["+a", "-a", "+b", "-b"], ["+b", "-b", "+a", "-a"])
        assert budget.in_use == 0

    async def test_small_ones_run_together(self) -> None:
        budget, log = MemoryBudget(100), []
        await asyncio.gather(*(run(budget, 20, log, str(i)) for i in range(4)))
        assert log[:4] == ["+0", "+1", "+2", "+3"]

    async def test_one_larger_than_the_budget_runs_alone_rather_than_never(self) -> None:
        budget, log = MemoryBudget(100), []
        await asyncio.gather(run(budget, 500, log, "huge"), run(budget, 10, log, "small"))
        assert log in (["+huge", "-huge", "+small", "-small"], ["+small", "-small", "+huge", "-huge"])


class TestDeclaredPixels:
    def test_the_header_is_read_without_decoding(self, pics) -> None:
        assert declared_pixels(io.BytesIO(pics.png_header(8000, 5000)), SourceFormat.PNG) == 40_000_000

    def test_an_unreadable_header_is_none(self) -> None:
        assert declared_pixels(io.BytesIO(b"\x89PNG nothing"), SourceFormat.PNG) is None
