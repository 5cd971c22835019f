from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from marketplace_etsy.etsy.budget import BudgetDeferred, BudgetLimits, SharedBudget, background
from vitrine_kit.db.engine import Database
from vitrine_marketplace import RateLimited


@pytest_asyncio.fixture
async def db(etsy_db: str) -> AsyncIterator[Database]:
    database = Database(etsy_db, pool_size=4)
    yield database
    await database.dispose()


@pytest_asyncio.fixture
async def budgets(db: Database) -> AsyncIterator[Callable[..., list[SharedBudget]]]:
    """``n`` budgets on one new row: what ``n`` replicas hold (each with its own connection pool)."""
    opened: list[Database] = []

    def make(n: int = 2, **limits: float) -> list[SharedBudget]:
        values = {
            "rate_per_s": 10.0,
            "burst": 5.0,
            "background_reserve": 3.0,
            "background_daily_floor": 100,
            "background_max_wait_s": 0.3,
            "seller_max_wait_s": 5.0,
        } | limits
        name = f"test-{uuid.uuid4().hex[:12]}"
        config = BudgetLimits(**values)  # type: ignore[arg-type]
        replicas = [Database(db.url, pool_size=4) for _ in range(n)]
        opened.extend(replicas)
        return [SharedBudget(replica, config, name=name) for replica in replicas]

    yield make
    for replica in opened:
        await replica.dispose()


class TestSharedBudget:
    async def test_replicas_share_one_rate(self, budgets) -> None:
        one, two = budgets(rate_per_s=10.0, burst=5.0)
        await one.ensure()
        started = time.monotonic()
        await asyncio.gather(*(b.acquire() for b in [one, two] * 10))  # 20 calls: 5 at once, 15 at 10/s
        assert time.monotonic() - started >= 1.3

    async def test_a_pause_from_one_replica_holds_the_other(self, budgets) -> None:
        one, two = budgets()
        await one.ensure()
        await one.pause(1.0)
        started = time.monotonic()
        await two.acquire()
        assert time.monotonic() - started >= 0.9

    async def test_background_work_leaves_a_reserve_for_sellers(self, budgets) -> None:
        [budget] = budgets(n=1, rate_per_s=1.0, burst=5.0, background_reserve=3.0)
        await budget.ensure()
        with background():
            await budget.acquire()
            await budget.acquire()
            with pytest.raises(BudgetDeferred):
                await budget.acquire()  # 3 tokens left: the sellers' reserve
        started = time.monotonic()
        for _ in range(3):
            await budget.acquire()
        assert time.monotonic() - started < 0.5

    async def test_background_work_stops_when_few_calls_are_left_today(self, budgets) -> None:
        [budget] = budgets(n=1, background_daily_floor=100)
        await budget.ensure()
        await budget.observe({"x-remaining-today": "50", "x-limit-per-day": "10000"})
        with background(), pytest.raises(BudgetDeferred):
            await budget.acquire()
        await budget.acquire()  # a seller's call still goes
        state = await budget.state()
        assert state.remaining_today == 49
        assert state.limit_per_day == 10000

    async def test_a_seller_does_not_wait_past_its_limit(self, budgets) -> None:
        [budget] = budgets(n=1, seller_max_wait_s=0.5)
        await budget.ensure()
        await budget.pause(30.0)
        with pytest.raises(RateLimited) as raised:
            await budget.acquire()
        assert raised.value.retry_after_s
        assert raised.value.retry_after_s > 25

    async def test_etsy_can_lower_the_rate(self, budgets) -> None:
        [budget] = budgets(n=1, rate_per_s=10.0)
        await budget.ensure()
        await budget.observe({"x-remaining-today": "9000", "x-limit-per-second": "5"})
        assert (await budget.state()).rate_per_s == 5.0
        await budget.ensure()  # a restart applies the configured rate again until Etsy says otherwise
        assert (await budget.state()).rate_per_s == 10.0

    async def test_the_row_is_made_on_first_use(self, budgets) -> None:
        [budget] = budgets(n=1)
        assert await budget.acquire() < 0.5  # no ensure(): a replica started before the migrations
        assert (await budget.state()).burst == 5.0
